using System;
using System.Numerics.Tensors;

namespace CnnGen.Kernels
{
    /// <summary>
    /// The notes' Affine layer, <c>Y (N x out) = X (N x in) * W (in x out) + b</c>, with X the flattened
    /// (C, H, W) input.
    /// </summary>
    public static class Dense
    {
        /// <summary>Forward pass; <paramref name="bias"/> may be empty.</summary>
        public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> bias, Span<float> y)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * inputs, nameof(x));
            Guard.Length(weights.Length, (long)inputs * outputs, nameof(weights));
            if (!bias.IsEmpty) Guard.Length(bias.Length, outputs, nameof(bias));
            Guard.Length(y.Length, (long)batch * outputs, nameof(y));
            Gemm.MultiplyUnchecked(false, false, batch, outputs, inputs, x, weights, y, accumulate: false);
            if (!bias.IsEmpty)
            {
                BiasAdd(batch, outputs, bias, y);
            }
        }

        /// <summary>Adds <paramref name="bias"/> to every row of <paramref name="y"/> (batch x outputs).</summary>
        public static void BiasAdd(int batch, int outputs, ReadOnlySpan<float> bias, Span<float> y)
        {
            for (int n = 0; n < batch; n++)
            {
                Span<float> row = y.Slice(n * outputs, outputs);
                TensorPrimitives.Add(row, bias, row);
            }
        }

        /// <summary>Backward pass, <b>overwriting</b> the gradients: <c>dW = Xᵀ dY</c>, <c>db = column sums of dY</c>,
        /// <c>dX = dY Wᵀ</c>. <paramref name="dx"/> may be empty when the input needs no gradient.</summary>
        public static void Backward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
            ReadOnlySpan<float> dy, Span<float> weightGradient, Span<float> biasGradient, Span<float> dx)
        {
            Guard.Batch(batch);
            Guard.Length(x.Length, (long)batch * inputs, nameof(x));
            Guard.Length(weights.Length, (long)inputs * outputs, nameof(weights));
            Guard.Length(dy.Length, (long)batch * outputs, nameof(dy));
            Guard.Length(weightGradient.Length, (long)inputs * outputs, nameof(weightGradient));
            if (!biasGradient.IsEmpty) Guard.Length(biasGradient.Length, outputs, nameof(biasGradient));
            if (!dx.IsEmpty) Guard.Length(dx.Length, (long)batch * inputs, nameof(dx));

            Gemm.MultiplyUnchecked(true, false, inputs, outputs, batch, x, dy, weightGradient, accumulate: false);
            if (!biasGradient.IsEmpty)
            {
                dy.Slice(0, outputs).CopyTo(biasGradient);
                for (int n = 1; n < batch; n++)
                {
                    TensorPrimitives.Add(biasGradient, dy.Slice(n * outputs, outputs), biasGradient);
                }
            }

            if (!dx.IsEmpty)
            {
                Gemm.MultiplyUnchecked(false, true, batch, inputs, outputs, dy, weights, dx, accumulate: false);
            }
        }
    }
}
