using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

[Collection("KernelDispatch")]
public sealed class GemmTests : IDisposable
{
    private const double Tolerance = 1e-5;

    public void Dispose() => KernelDispatch.Reset();

    public static IEnumerable<SimdLevel> Levels()
    {
        for (var l = SimdLevel.Scalar; l <= KernelDispatch.Supported; l++) yield return l;
    }

    private static IEnumerable<(int M, int N, int K)> Shapes()
    {
        yield return (1, 1, 1);
        int[] s = Reference.OddSizes;
        // Every odd size on every axis at least once, combined with different sizes on the other axes.
        for (int i = 0; i < s.Length; i++)
        {
            yield return (s[i], s[(i + 3) % s.Length], s[(i + 5) % s.Length]);
            yield return (s[(i + 2) % s.Length], s[i], s[(i + 7) % s.Length]);
        }

        yield return (12, 32, 256);   // exactly one AVX-512 tile, one k block
        yield return (24, 64, 257);   // two k blocks, the second of depth 1
        yield return (200, 33, 17);   // more than one m block
        yield return (5, 2100, 3);    // more than one n block
        yield return (127, 129, 257); // above the parallel threshold
        yield return (300, 260, 300); // two threads: one block of rows each (C taller than wide, B repacked per block)
        yield return (513, 257, 129); // two threads: rows, B small enough to repack for blocks claimed in turn
        yield return (200, 4200, 64);  // two threads: columns, A small enough to repack for blocks claimed in turn
        yield return (100, 2080, 300); // two threads: too few rows for one block each, tiles of C claimed in turn
        yield return (24, 2100, 300);  // two threads: tiles of C
        yield return (100, 100, 4320); // two threads: split by depth
    }

    [Fact]
    public void AllModesLevelsAndDegreesMatchReference()
    {
        CheckAgainstReference(Shapes());
    }

    private static IEnumerable<(int M, int N, int K)> EdgeShapes()
    {
        // Every column count of a last micro-panel (edge kernels, partial tiles) with full and partial row tiles,
        // one and two k blocks.
        foreach (int n in Enumerable.Range(1, 33).Concat(new[] { 48, 63, 100, 127 }))
        {
            yield return (13, n, 300);
            yield return (100, n, 41);
        }

        yield return (100, 100, 700);
        yield return (7, 100, 4320);
    }

    [Fact]
    public void EdgeColumnsAndTransposedPackingMatchReference()
    {
        CheckAgainstReference(EdgeShapes());
    }

    private static void CheckAgainstReference(IEnumerable<(int M, int N, int K)> shapes)
    {
        foreach (var (m, n, k) in shapes)
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    int seed = m * 7919 + n * 131 + k * 17 + (ta ? 1 : 0) + (tb ? 2 : 0);
                    float[] a = Reference.Random(m * k, seed), b = Reference.Random(k * n, seed + 1);
                    float[] c0 = Reference.Random(m * n, seed + 2);
                    var (product, magnitude) = Reference.Gemm(ta, tb, m, n, k, a, b);
                    var withC = new double[m * n];
                    var magC = new double[m * n];
                    for (int i = 0; i < withC.Length; i++)
                    {
                        withC[i] = product[i] + c0[i];
                        magC[i] = magnitude[i] + Math.Abs(c0[i]);
                    }

                    foreach (SimdLevel level in Levels())
                    {
                        foreach (int degree in new[] { 1, 2 })
                        {
                            KernelDispatch.Level = level;
                            KernelDispatch.MaxDegreeOfParallelism = degree;
                            ParallelBlocks.ResetBackoff(); // so that degree 2 does run the parallel split
                            string what = $"{m}x{n}x{k} transA={ta} transB={tb} {level} degree {degree}";

                            var c = new float[m * n];
                            c.AsSpan().Fill(float.NaN); // overwrite mode must not read C
                            Gemm.Multiply(ta, tb, m, n, k, a, b, c);
                            double err = Reference.RelativeError(c, product, magnitude);
                            Assert.True(err <= Tolerance, $"{what}: relative error {err:E2}");

                            c0.CopyTo(c, 0);
                            Gemm.Multiply(ta, tb, m, n, k, a, b, c, accumulate: true);
                            err = Reference.RelativeError(c, withC, magC);
                            Assert.True(err <= Tolerance, $"{what} accumulate: relative error {err:E2}");
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(3, 5, 7, 4)]
    [InlineData(8, 8, 8, 8)]      // one 8 x 8 block
    [InlineData(12, 259, 4320, 12)] // a 12-row pack panel: an 8-row block, a 4-row block, a 3-column tail
    [InlineData(13, 29, 31, 15)]  // 8 + 4 + 1 rows, 3 + 3 + 5 columns, strides wider than the matrix
    [InlineData(30, 576, 576, 30)]  // SimpleConvNet's output gradient per image
    [InlineData(17, 3, 5, 20)]    // fewer columns than a block
    [InlineData(7, 17, 17, 9)]    // no 8-row block
    public unsafe void TransposeMatchesElementwiseCopy(int rows, int cols, int srcStride, int dstStride)
    {
        var random = new Random(rows * 1000 + cols);
        float[] src = Enumerable.Range(0, rows * srcStride).Select(_ => (float)random.NextDouble()).ToArray();
        const float untouched = -1f;
        float[] dst = Enumerable.Repeat(untouched, cols * dstStride).ToArray();

        fixed (float* s = src)
        fixed (float* d = dst)
        {
            GemmBlocked.Transpose(s, srcStride, rows, cols, d, dstStride);
        }

        for (int p = 0; p < cols; p++)
        {
            for (int i = 0; i < dstStride; i++)
            {
                float expected = i < rows ? src[i * srcStride + p] : untouched;
                Assert.True(dst[p * dstStride + i] == expected, $"dst[{p}, {i}] = {dst[p * dstStride + i]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void WritesNothingOutsideC()
    {
        foreach (SimdLevel level in Levels())
        {
            KernelDispatch.Level = level;
            int m = 37, n = 45, k = 300;
            float[] a = Reference.Random(m * k, 1), b = Reference.Random(k * n, 2);
            var c = new float[m * n + 40];
            c.AsSpan(m * n).Fill(123f);
            Gemm.Multiply(false, false, m, n, k, a, b, c);
            Assert.All(c.AsSpan(m * n).ToArray(), v => Assert.Equal(123f, v));
        }
    }

    [Fact]
    public void NoAllocationAfterWarmUp()
    {
        (bool, bool, int, int, int)[] shapes =
        {
            (false, false, 1, 100, 4320), (false, false, 3, 5, 7), (false, false, 100, 100, 4320),
            (true, false, 4320, 100, 100), (false, true, 100, 4320, 100), (true, true, 65, 127, 33),
            (false, false, 30, 576, 25),
        };
        var buffers = shapes.Select(s => (Reference.Random(s.Item3 * s.Item5, 1), Reference.Random(s.Item5 * s.Item4, 2), new float[s.Item3 * s.Item4])).ToArray();
        foreach (int degree in new[] { 1, 2 })
        {
            KernelDispatch.MaxDegreeOfParallelism = degree;
            for (int warm = 0; warm < 2; warm++)
            {
                for (int i = 0; i < shapes.Length; i++)
                {
                    var (ta, tb, m, n, k) = shapes[i];
                    Gemm.Multiply(ta, tb, m, n, k, buffers[i].Item1, buffers[i].Item2, buffers[i].Item3);
                }
            }

            long allocated = AllocationProbe.Least(() =>
            {
                for (int i = 0; i < shapes.Length; i++)
                {
                    var (ta, tb, m, n, k) = shapes[i];
                    Gemm.Multiply(ta, tb, m, n, k, buffers[i].Item1, buffers[i].Item2, buffers[i].Item3);
                }
            });
            Assert.True(allocated == 0, $"degree {degree}: {allocated} bytes allocated after warm-up");
        }
    }

    [Fact]
    public void DispatchSettingsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDispatch.Level = KernelDispatch.Supported + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDispatch.Level = (SimdLevel)(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDispatch.AwakeMicroseconds = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDispatch.AwakeMicroseconds = 10_001);
        KernelDispatch.AwakeMicroseconds = 0;
        Assert.Equal(0, KernelDispatch.AwakeMicroseconds);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDispatch.MaxDegreeOfParallelism = 0);
        KernelDispatch.Level = SimdLevel.Scalar;
        Assert.Equal(SimdLevel.Scalar, KernelDispatch.Level);
        KernelDispatch.Reset();
        Assert.Equal(KernelDispatch.Supported, KernelDispatch.Level);
        Assert.Equal(Environment.ProcessorCount, KernelDispatch.MaxDegreeOfParallelism);
        Assert.Equal(KernelDispatch.DefaultAwakeMicroseconds, KernelDispatch.AwakeMicroseconds);
    }

    [Fact]
    public void SupportsAvx512OnThisMachine()
    {
        // The build machine has AVX-512; make sure every path is really exercised there.
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Assert.Equal(SimdLevel.Avx512, KernelDispatch.Supported);
        }
    }

    [Fact]
    public void BadArgumentsNameExpectedAndActualSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 4, 5, 6, new float[23], new float[30], new float[20]));
        Assert.Contains("24", ex.Message);
        Assert.Contains("23", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 4, 5, 6, new float[24], new float[30], new float[19]));
        Assert.Contains("20", ex.Message);
        Assert.Contains("19", ex.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 0, 5, 6, new float[24], new float[30], new float[20]));
    }

    [Fact]
    public async Task ConcurrentCallersGetCorrectResults()
    {
        // Two callers race for the helper pool; the loser runs alone. Both must be right.
        KernelDispatch.MaxDegreeOfParallelism = 2;
        int m = 96, n = 200, k = 300;
        float[] a = Reference.Random(m * k, 5), b = Reference.Random(k * n, 6);
        var (product, magnitude) = Reference.Gemm(false, false, m, n, k, a, b);
        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var c = new float[m * n];
            for (int r = 0; r < 10; r++)
            {
                Gemm.Multiply(false, false, m, n, k, a, b, c);
                Assert.True(Reference.RelativeError(c, product, magnitude) <= Tolerance);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
    }
}
