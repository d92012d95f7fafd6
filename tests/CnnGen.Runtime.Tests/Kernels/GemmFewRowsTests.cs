using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The unpacked few-rows product behind <see cref="Dense.Forward"/> at batches 2 to 128 (AVX-512 machines): every
/// row-group remainder (8, 4, 2, 1 rows), column counts around the vector width (masked last vectors, tiles of 1 to 3
/// vectors), sums long enough to be cut into several depth blocks, with and without bias, at one and two threads.</summary>
[Collection("KernelDispatch")]
public sealed unsafe class GemmFewRowsTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int m in new[] { 2, 3, 5, 7, 8, 9, 15, 17, 31, 100, 128 })
        {
            data.Add(m, 100, 4320);
        }

        foreach (int n in new[] { 8, 15, 16, 17, 31, 33, 47, 48, 49, 63, 65, 97, 113, 127, 130 })
        {
            data.Add(7, n, 257);
            data.Add(13, n, 2600);  // 2,600 x 130 floats spans more than one depth block
        }

        data.Add(2, 10, 16);
        data.Add(3, 1000, 17);
        data.Add(11, 4000, 65);   // wide: one depth block is only 32 rows of B
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference_product(int m, int n, int k)
    {
        if (!GemmFewRows.Applies(m, n, k)) return;  // this machine takes the packed GEMM (no AVX-512)

        float[] a = Reference.Random(m * k, 1), b = Reference.Random(k * n, 2), bias = Reference.Random(n, 3);
        var (product, magnitude) = Reference.Gemm(false, false, m, n, k, a, b);
        var withBias = (double[])product.Clone();
        for (int i = 0; i < withBias.Length; i++) withBias[i] += bias[i % n];

        foreach (int degree in new[] { 1, 2 })
        {
            int saved = KernelDispatch.MaxDegreeOfParallelism;
            KernelDispatch.MaxDegreeOfParallelism = degree;
            try
            {
                float[] c = Reference.Random(m * n, 4);  // overwritten, never read
                fixed (float* pa = a)
                fixed (float* pb = b)
                fixed (float* pbias = bias)
                fixed (float* pc = c)
                {
                    GemmFewRows.Run(m, n, k, pa, pb, pbias, pc);
                    Assert.True(Reference.RelativeError(c, withBias, Plus(magnitude, bias, n)) < 1e-6, $"{m}x{n}x{k} bias, degree {degree}");
                    GemmFewRows.Run(m, n, k, pa, pb, null, pc);
                    Assert.True(Reference.RelativeError(c, product, magnitude) < 1e-6, $"{m}x{n}x{k}, degree {degree}");
                    Reference.Close(c, product, 1e-4, $"{m}x{n}x{k}, degree {degree}");
                }
            }
            finally
            {
                KernelDispatch.MaxDegreeOfParallelism = saved;
            }
        }
    }

    [Fact]
    public void Writes_nothing_outside_C()
    {
        const int m = 5, n = 33, k = 40;
        if (!GemmFewRows.Applies(m, n, k)) return;
        float[] a = Reference.Random(m * k, 1), b = Reference.Random(k * n, 2);
        float[] c = new float[m * n + 64];
        Array.Fill(c, float.NaN);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            GemmFewRows.Run(m, n, k, pa, pb, null, pc + 32);
        }

        for (int i = 0; i < 32; i++)
        {
            Assert.True(float.IsNaN(c[i]) && float.IsNaN(c[c.Length - 1 - i]), $"a float {i} before or after C was written");
        }

        Assert.DoesNotContain(c.AsSpan(32, m * n).ToArray(), float.IsNaN);
    }

    private static double[] Plus(double[] magnitude, float[] bias, int n)
    {
        var scale = (double[])magnitude.Clone();
        for (int i = 0; i < scale.Length; i++) scale[i] += Math.Abs(bias[i % n]);
        return scale;
    }
}
