using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Batched NCHW convolution (cross-correlation) by im2col + GEMM, as in the notes, per image:
    /// <c>y_n (FN x OH*OW) = W (FN x CFF) * col_n (CFF x OH*OW) + b</c>. A 1x1 convolution with stride 1
    /// and no padding skips the unfold (the image already is its column matrix).
    /// </summary>
    public static class Conv2D
    {
        /// <summary>Floats of workspace one call needs (the column matrix of one image).</summary>
        public static int WorkspaceSize(in ConvGeometry g) => IsPointwise(g) ? 0 : g.ColumnSize;

        private static bool IsPointwise(in ConvGeometry g) => g.Kernel == 1 && g.Stride == 1 && g.Pad == 0;

        /// <summary>Forward pass over <paramref name="batch"/> images. <paramref name="bias"/> may be empty (no bias).</summary>
        public static void Forward(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * g.InputSize, nameof(x));
            Guard.Length(weights.Length, g.WeightSize, nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, g.Filters, nameof(bias));
            Guard.Length(y.Length, (long)batch * g.OutputSize, nameof(y));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));

            int plane = g.OutPlane;
            if (ConvDirectWide.AppliesForward(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirectWide.Forward(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * g.OutputSize, g.OutputSize));
                }

                return;
            }

            if (ConvDirect.Applies(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirect.Forward(g, x.Slice(n * g.InputSize, g.InputSize), weights, bias, y.Slice(n * g.OutputSize, g.OutputSize));
                }

                return;
            }

            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * g.InputSize, g.InputSize);
                ReadOnlySpan<float> col = image;
                if (!IsPointwise(g))
                {
                    Im2Col.Unfold(g, image, workspace);
                    col = workspace.Slice(0, g.ColumnSize);
                }

                Span<float> output = y.Slice(n * g.OutputSize, g.OutputSize);
                Gemm.MultiplyUnchecked(false, false, g.Filters, plane, g.PatchSize, weights, col, output, accumulate: false);
                if (!bias.IsEmpty)
                {
                    for (int f = 0; f < g.Filters; f++)
                    {
                        Span<float> row = output.Slice(f * plane, plane);
                        TensorPrimitives.Add(row, bias[f], row);
                    }
                }
            }
        }

        /// <summary>Weight and bias gradients, <b>overwriting</b> <paramref name="weightGradient"/> and
        /// <paramref name="biasGradient"/> (which may be empty): <c>dW = sum_n dy_n * col_nᵀ</c>, <c>db = sum over n, y, x of dy</c>.</summary>
        public static void BackwardFilter(in ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * g.InputSize, nameof(x));
            Guard.Length(dy.Length, (long)batch * g.OutputSize, nameof(dy));
            Guard.Length(weightGradient.Length, g.WeightSize, nameof(weightGradient));
            if (!biasGradient.IsEmpty) Guard.Length(biasGradient.Length, g.Filters, nameof(biasGradient));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));

            int plane = g.OutPlane;
            if (ConvDirectWide.AppliesFilterGradient(g))
            {
                ConvDirectWide.FilterGradient(g, batch, x, dy, weightGradient, biasGradient, workspace);
                return;
            }

            weightGradient.Clear();
            biasGradient.Clear();
            if (ConvDirect.Applies(g))
            {
                for (int n = 0; n < batch; n++)
                {
                    ConvDirect.AccumulateFilterGradient(g, x.Slice(n * g.InputSize, g.InputSize), dy.Slice(n * g.OutputSize, g.OutputSize),
                        weightGradient, biasGradient);
                }

                return;
            }

            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * g.InputSize, g.InputSize);
                ReadOnlySpan<float> col = image;
                if (!IsPointwise(g))
                {
                    Im2Col.Unfold(g, image, workspace);
                    col = workspace.Slice(0, g.ColumnSize);
                }

                ReadOnlySpan<float> grad = dy.Slice(n * g.OutputSize, g.OutputSize);
                Gemm.MultiplyUnchecked(false, true, g.Filters, g.PatchSize, plane, grad, col, weightGradient, accumulate: true);
                if (!biasGradient.IsEmpty)
                {
                    for (int f = 0; f < g.Filters; f++)
                    {
                        biasGradient[f] += TensorPrimitives.Sum(grad.Slice(f * plane, plane));
                    }
                }
            }
        }

        /// <summary>Input gradient, <b>overwriting</b> <paramref name="dx"/>: <c>dx_n = col2im(Wᵀ * dy_n)</c>.</summary>
        public static void BackwardData(in ConvGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights,
            Span<float> dx, Span<float> workspace)
        {
            Guard.Batch(batch);
            Guard.Length(dy.Length, (long)batch * g.OutputSize, nameof(dy));
            Guard.Length(weights.Length, g.WeightSize, nameof(weights));
            Guard.Length(dx.Length, (long)batch * g.InputSize, nameof(dx));
            Guard.AtLeast(workspace.Length, WorkspaceSize(g), nameof(workspace));

            int plane = g.OutPlane;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> grad = dy.Slice(n * g.OutputSize, g.OutputSize);
                Span<float> image = dx.Slice(n * g.InputSize, g.InputSize);
                if (IsPointwise(g))
                {
                    Gemm.MultiplyUnchecked(true, false, g.PatchSize, plane, g.Filters, weights, grad, image, accumulate: false);
                    continue;
                }

                Span<float> col = workspace.Slice(0, g.ColumnSize);
                Gemm.MultiplyUnchecked(true, false, g.PatchSize, plane, g.Filters, weights, grad, col, accumulate: false);
                image.Clear();
                Im2Col.FoldAdd(g, col, image);
            }
        }
    }
}
