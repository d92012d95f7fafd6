using CnnGen.Kernels;
using CsCheck;

namespace CnnGen.Runtime.Tests.Kernels;

public sealed class ConvolutionTests
{
    // Conv2D goes through the GEMM; its float sums over C*F*F terms stay well within this (per element, scale floor 1).
    private const double Tolerance = 1e-4;

    [Fact]
    public void UnfoldMatchesDirectIm2Col()
    {
        foreach (ConvGeometry g in Reference.ConvShapes(pooling: false))
        {
            float[] x = Reference.Random(g.InputSize, g.Height * 31 + g.Kernel);
            var col = new float[g.ColumnSize];
            col.AsSpan().Fill(float.NaN);
            Im2Col.Unfold(g, x, col);
            Reference.Close(col, Reference.Unfold(g, x), 0, $"unfold {g}");
        }
    }

    [Fact]
    public void FoldAddIsTheAdjointOfUnfold()
    {
        foreach (ConvGeometry g in Reference.ConvShapes(pooling: false))
        {
            float[] x = Reference.Random(g.InputSize, 3), col = Reference.Random(g.ColumnSize, 4);
            float[] start = Reference.Random(g.InputSize, 5);
            var folded = (float[])start.Clone();
            Im2Col.FoldAdd(g, col, folded);
            // Reference fold: every column entry goes to the input pixel it was read from.
            var expected = Reference.ToDouble(start);
            var unit = new float[g.InputSize];
            double[] probe;
            for (int i = 0; i < g.InputSize; i++)
            {
                unit[i] = 1f;
                probe = Reference.Unfold(g, unit);
                unit[i] = 0f;
                for (int j = 0; j < probe.Length; j++) expected[i] += probe[j] * col[j];
            }

            Reference.Close(folded, expected, 1e-5, $"fold {g}");
        }
    }

    [Fact]
    public void Im2ColAdjointnessProperty()
    {
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 12], Gen.Int[1, 12], Gen.Int[1, 5], Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[0, 1 << 20])
            .Where(t => t.Item2 - t.Item4 + 2 * t.Item6 >= 0 && t.Item3 - t.Item4 + 2 * t.Item6 >= 0)
            .Sample((c, h, w, k, s, p, seed) =>
            {
                var g = new ConvGeometry(c, h, w, 1, k, s, p);
                float[] x = Reference.Random(g.InputSize, seed), y = Reference.Random(g.ColumnSize, seed + 1);
                var col = new float[g.ColumnSize];
                var back = new float[g.InputSize];
                Im2Col.Unfold(g, x, col);
                Im2Col.FoldAdd(g, y, back);
                double lhs = Reference.Dot(col, y), rhs = Reference.Dot(x, back);
                return Math.Abs(lhs - rhs) <= 1e-4 * (1 + Math.Abs(lhs));
            }, iter: 300);
    }

    [Fact]
    public void ForwardAndBackwardMatchDirectConvolution()
    {
        int index = 0;
        foreach (ConvGeometry g in Reference.ConvShapes(pooling: false))
        {
            int batch = index++ % 2 == 0 ? 1 : 3;
            float[] x = Reference.Random(batch * g.InputSize, index), w = Reference.Random(g.WeightSize, index + 1);
            float[] bias = Reference.Random(g.Filters, index + 2), dy = Reference.Random(batch * g.OutputSize, index + 3);
            var workspace = new float[Conv2D.WorkspaceSize(g)];
            var y = new float[batch * g.OutputSize];
            Conv2D.Forward(g, batch, x, w, bias, y, workspace);
            Reference.Close(y, Reference.ConvForward(g, batch, x, w, bias), Tolerance, $"forward {g} batch {batch}");
            Conv2D.Forward(g, batch, x, w, ReadOnlySpan<float>.Empty, y, workspace);
            Reference.Close(y, Reference.ConvForward(g, batch, x, w, null), Tolerance, $"forward without bias {g}");

            var (dw, db, dx) = Reference.ConvBackward(g, batch, x, w, dy);
            var gw = Reference.Random(g.WeightSize, 9); // overwritten, not accumulated
            var gb = Reference.Random(g.Filters, 10);
            Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, workspace);
            Reference.Close(gw, dw, Tolerance, $"dW {g} batch {batch}");
            Reference.Close(gb, db, Tolerance, $"db {g} batch {batch}");
            var gx = Reference.Random(batch * g.InputSize, 11);
            Conv2D.BackwardData(g, batch, dy, w, gx, workspace);
            Reference.Close(gx, dx, Tolerance, $"dx {g} batch {batch}");
        }
    }

    [Fact]
    public void BadInputNamesSizes()
    {
        var g = new ConvGeometry(2, 5, 5, 3, 3, 1, 1);
        var ws = new float[Conv2D.WorkspaceSize(g)];
        var ex = Assert.Throws<ArgumentException>(() => Conv2D.Forward(g, 2, new float[49], new float[g.WeightSize], default, new float[2 * g.OutputSize], ws));
        Assert.Contains("100", ex.Message);
        Assert.Contains("49", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Conv2D.Forward(g, 0, new float[0], new float[g.WeightSize], default, new float[0], ws));
        Assert.Contains("0", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Conv2D.BackwardData(g, 1, new float[g.OutputSize], new float[g.WeightSize - 1], new float[g.InputSize], ws));
        Assert.Contains($"{g.WeightSize}", ex.Message);
        Assert.Contains($"{g.WeightSize - 1}", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Im2Col.Unfold(g, new float[g.InputSize], new float[g.ColumnSize - 1]));
        Assert.Contains($"{g.ColumnSize}", ex.Message);
        Assert.Throws<ArgumentException>(() => new ConvGeometry(1, 2, 2, 1, 5, 1, 0));
    }
}
