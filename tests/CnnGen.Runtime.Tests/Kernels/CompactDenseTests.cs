using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>bfloat16 weight storage: exact rounding, and the product against a double-precision reference that
/// uses the same rounded weights (so the only difference left is float32 accumulation order).</summary>
[Collection("KernelDispatch")]
public class CompactDenseTests
{
    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(0f, 0x0000)]
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(1.00390625f, 0x3F80)]   // 1 + 2^-8: exactly half way between 0x3F80 and 0x3F81 -> even (0x3F80)
    [InlineData(1.01171875f, 0x3F82)]   // 1 + 3*2^-8: half way between 0x3F81 and 0x3F82 -> even (0x3F82)
    [InlineData(1.0078125f, 0x3F81)]    // 1 + 2^-7: exactly representable
    public void Compress_rounds_to_nearest_even(float value, int expected)
    {
        Assert.Equal(expected, CompactDense.ToBFloat16(value));
    }

    [Fact]
    public void Compress_keeps_nan_a_nan_and_relative_error_is_at_most_2_to_the_minus_8()
    {
        Assert.True(float.IsNaN(CompactDense.Expand(CompactDense.ToBFloat16(float.NaN))));
        var random = new Random(5);
        for (int i = 0; i < 10_000; i++)
        {
            float v = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 5)));
            Assert.True(Math.Abs(CompactDense.Expand(CompactDense.ToBFloat16(v)) - v) <= Math.Abs(v) * Math.Pow(2, -8), $"{v}");
        }
    }

    public static TheoryData<int, int, int, string> Shapes()
    {
        var data = new TheoryData<int, int, int, string>();
        int[][] shapes = { new[] { 1, 1, 1 }, new[] { 1, 17, 7 }, new[] { 3, 3, 31 }, new[] { 2, 65, 32 }, new[] { 3, 33, 33 },
            new[] { 1, 4320, 100 }, new[] { 5, 127, 65 }, new[] { 4, 100, 10 }, new[] { 1, 2, 64 }, new[] { 2, 7, 129 }, new[] { 3, 9, 300 } };
        foreach (int[] s in shapes)
        {
            data.Add(s[0], s[1], s[2], "Avx512");
            data.Add(s[0], s[1], s[2], "Scalar");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_reference_with_rounded_weights_at_each_level(int batch, int inputs, int outputs, string level)
    {
        SimdLevel requested = Enum.Parse<SimdLevel>(level);
        if (requested > KernelDispatch.Supported) return; // the machine cannot run this path
        SimdLevel saved = KernelDispatch.Level;
        try
        {
            KernelDispatch.Level = requested;
            Forward_matches_reference_with_rounded_weights(batch, inputs, outputs);
        }
        finally
        {
            KernelDispatch.Level = saved;
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 17, 7)]
    [InlineData(3, 3, 31)]
    [InlineData(2, 65, 32)]
    [InlineData(3, 33, 33)]
    [InlineData(1, 4320, 100)]
    [InlineData(5, 127, 65)]
    [InlineData(4, 100, 10)]
    [InlineData(3, 9, 300)]
    public void Forward_matches_reference_with_rounded_weights(int batch, int inputs, int outputs)
    {
        var random = new Random(batch * 1000 + inputs * 10 + outputs);
        float[] w = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] x = Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        ushort[] compact = new ushort[CompactDense.BufferLength(inputs, outputs)];
        CompactDense.Compress(inputs, outputs, w, compact);
        float[] y = new float[batch * outputs];
        CompactDense.Forward(batch, inputs, outputs, x, compact, b, y);
        for (int n = 0; n < batch; n++)
        {
            for (int j = 0; j < outputs; j++)
            {
                double sum = b[j], scale = Math.Abs(b[j]);
                for (int i = 0; i < inputs; i++)
                {
                    double term = x[n * inputs + i] * (double)CompactDense.WeightAt(inputs, outputs, compact, i, j);
                    float stored = CompactDense.WeightAt(inputs, outputs, compact, i, j), exact = w[i * outputs + j];
                    float rounded = CompactDense.Expand(CompactDense.ToBFloat16(exact));
                    if (i % 2 == 1) Assert.Equal(rounded, stored); // odd rows: plain bfloat16
                    else Assert.True(Math.Abs(stored - (double)exact) <= Math.Abs(exact) * Math.Pow(2, -8), $"even row {i}: {stored} for {exact}");
                    sum += term;
                    scale += Math.Abs(term);
                }

                Assert.True(Math.Abs(y[n * outputs + j] - sum) <= 1e-5 * Math.Max(1, scale), $"[{n},{j}] {y[n * outputs + j]} vs {sum}");
            }
        }
    }

    [Fact]
    public void Wrong_buffer_length_is_an_argument_exception()
    {
        var e = Assert.Throws<ArgumentException>(() => CompactDense.Forward(1, 4, 4, new float[4], new ushort[16], default, new float[4]));
        Assert.Contains(CompactDense.BufferLength(4, 4).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public void Even_rows_are_within_bfloat16_rounding_whatever_the_low_half()
    {
        var random = new Random(11);
        float[] values = { 0f, -0f, 1f, -1f, 1e-30f, -3e-39f, 3.3e38f, -3.3e38f, float.Epsilon, 0.1f, -0.7f };
        foreach (float v in values.Concat(Enumerable.Range(0, 2000).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-20, 20))))))
        {
            foreach (ushort low in new ushort[] { 0, 1, 0x7FFF, 0x8000, 0xFFFF, (ushort)random.Next(65536) })
            {
                uint word = CompactDense.EvenWord(v, low);
                float stored = BitConverter.UInt32BitsToSingle(word);
                Assert.Equal(low, (ushort)word);
                Assert.True(float.IsFinite(stored), $"{v} low {low:X4}: {stored}");
                Assert.True(Math.Sign(stored) == Math.Sign(v) || stored == 0 || Math.Abs(stored) < 1e-37f, $"{v} low {low:X4}: sign of {stored}");
                // Half a bfloat16 step (2^-8 relative), as for rounding to bfloat16; near zero the low half alone is at most 2^-133.
                double bound = Math.Abs((double)v) * Math.Pow(2, -8) + Math.Pow(2, -133);
                Assert.True(Math.Abs(stored - (double)v) <= bound, $"{v} low {low:X4}: {stored}");
            }
        }
    }

    [Theory]
    [InlineData(4320, 100)]
    [InlineData(7, 3)]
    [InlineData(33, 129)]
    public unsafe void Compact_matrix_is_aligned_and_computes_like_the_span_form(int inputs, int outputs)
    {
        var random = new Random(inputs + outputs);
        float[] w = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] x = Enumerable.Range(0, 3 * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var matrix = new CompactMatrix(inputs, outputs);
        matrix.Compress(w);
        fixed (ushort* p = matrix.Values) Assert.Equal(0u, (uint)((nuint)p % 64));
        ushort[] plain = new ushort[CompactDense.BufferLength(inputs, outputs)];
        CompactDense.Compress(inputs, outputs, w, plain);
        Assert.Equal(plain, matrix.Values.ToArray());
        Assert.Equal(CompactDense.WeightAt(inputs, outputs, plain, inputs - 1, outputs - 1), matrix.WeightAt(inputs - 1, outputs - 1));
        float[] expected = new float[3 * outputs], actual = new float[3 * outputs];
        CompactDense.Forward(3, inputs, outputs, x, plain, ReadOnlySpan<float>.Empty, expected);
        CompactDense.Forward(3, x, matrix, ReadOnlySpan<float>.Empty, actual);
        Assert.Equal(expected, actual);
        Assert.Throws<ArgumentNullException>(() => CompactDense.Forward(3, x, null!, ReadOnlySpan<float>.Empty, actual));
    }
}
