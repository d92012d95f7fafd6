using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>im2col and col2im at every SIMD level, on stride-1 shapes with padding and rows wider than a vector (the AVX-512
/// level moves them with masked loads and stores): the same columns as the reference unfold, and the same folded image
/// bit for bit as the scalar loop.</summary>
[Collection("KernelDispatch")]
public sealed class Im2ColLevelsTests
{
    public static IEnumerable<object[]> Shapes()
    {
        yield return new object[] { 16, 32, 32, 3, 1 };   // SmallVgg
        yield return new object[] { 5, 20, 37, 3, 2 };    // 39-wide output rows: two vectors and a masked tail
        yield return new object[] { 3, 7, 40, 5, 4 };     // padding as large as the window: rows entirely over the padding
        yield return new object[] { 2, 9, 16, 2, 1 };     // even kernel
        yield return new object[] { 1, 3, 3, 3, 0 };      // unpadded, narrower than a vector
        yield return new object[] { 4, 15, 17, 1, 1 };    // 1x1 with padding
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Unfold_and_fold_agree_at_every_level(int c, int h, int w, int k, int pad)
    {
        var g = new ConvGeometry(c, h, w, 2, k, 1, pad);
        float[] x = Reference.Random(g.InputSize, 1), col = Reference.Random(g.ColumnSize, 2), start = Reference.Random(g.InputSize, 3);
        double[] expectedColumns = Reference.Unfold(g, x);
        float[]? scalarFold = null;
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var unfolded = new float[g.ColumnSize + 1];
                unfolded.AsSpan().Fill(float.NaN);
                Im2Col.Unfold(g, x, unfolded);
                Reference.Close(unfolded.AsSpan(0, g.ColumnSize), expectedColumns, 0, $"unfold {g} {level}");
                Assert.True(float.IsNaN(unfolded[g.ColumnSize]), "wrote past the column matrix");

                var folded = new float[g.InputSize + 1];
                start.CopyTo(folded, 0);
                folded[g.InputSize] = float.NaN;
                Im2Col.FoldAdd(g, col, folded.AsSpan(0, g.InputSize));
                Assert.True(float.IsNaN(folded[g.InputSize]), "wrote past the image");
                scalarFold ??= folded;
                Assert.Equal(scalarFold, folded);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }
}
