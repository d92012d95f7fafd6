using System;
using System.Linq;
using CnnGen.Kernels;
using CnnGen.Tests.Shared;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary><see cref="Dense.ForwardSkippingZeros"/> (rows of W whose input is zero not read) against <see cref="Dense.Forward"/>
/// bit for bit and against the reference product, and the index lists it walks.</summary>
[Collection("KernelDispatch")]
public sealed class DenseSkippingZerosTests
{
    /// <summary><paramref name="count"/> values of which about <paramref name="density"/> are non-zero, the zeros of both signs
    /// (a ReLU's output holds +0; a dropout mask or a caller may hand over -0).</summary>
    private static float[] Sparse(int count, double density, int seed)
    {
        var random = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextDouble() < density ? (float)random.NextDouble() + 0.01f : (random.Next(4) == 0 ? -0f : 0f);
        }

        return x;
    }

    /// <summary>The reference <c>x W + b</c> for <paramref name="batch"/> rows.</summary>
    private static double[] ProductWithBias(int batch, int inputs, int outputs, float[] x, float[] w, float[] b)
    {
        var (product, _) = Reference.Gemm(false, false, batch, outputs, inputs, x, w);
        for (int n = 0; n < batch; n++)
            for (int j = 0; j < outputs; j++) product[n * outputs + j] += b[j];
        return product;
    }

    /// <summary>The same floats bit for bit, but for the sign of a zero (the plain product adds <c>w x 0 = +0</c> to a sum of
    /// -0, which makes it +0; skipping the term keeps -0).</summary>
    private static void AssertSameResults(float[] plain, float[] skipping, string what)
    {
        Assert.Equal(plain.Length, skipping.Length);
        for (int i = 0; i < plain.Length; i++)
        {
            if (plain[i] == 0 && skipping[i] == 0) continue;
            Assert.True(BitConverter.SingleToInt32Bits(plain[i]) == BitConverter.SingleToInt32Bits(skipping[i]),
                $"{what}: [{i}] {plain[i]:R} (plain) against {skipping[i]:R}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(4321)]
    public void Lists_exactly_the_non_zero_indices_in_order_at_every_level(int length)
    {
        foreach (double density in new[] { 0.0, 0.2, 0.5, 1.0 })
        {
            float[] x = Sparse(length, density, length + 7);
            if (length > 2) x[length / 2] = float.NaN;   // NaN is not zero
            int[] expected = Enumerable.Range(0, length).Where(i => x[i] != 0).ToArray();
            try
            {
                for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
                {
                    KernelDispatch.Level = level;
                    var list = new int[length + 1];
                    list[length] = -5;
                    int count = NonzeroIndices.Gather(x, list);
                    Assert.Equal(expected, list.AsSpan(0, count).ToArray());
                    Assert.Equal(-5, list[length]);
                    Assert.Equal(expected.Length, NonzeroIndices.Count(x));
                }
            }
            finally
            {
                KernelDispatch.Reset();
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(4320)]
    [InlineData(4321)]
    public void Lists_exactly_the_pairs_with_a_non_zero_value_at_every_level(int length)
    {
        foreach (double density in new[] { 0.0, 0.1, 0.5, 1.0 })
        {
            float[] x = Sparse(length, density, length + 3);
            int pairs = length / 2;
            int[] expected = Enumerable.Range(0, pairs).Where(p => x[2 * p] != 0 || x[2 * p + 1] != 0).ToArray();
            try
            {
                for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
                {
                    KernelDispatch.Level = level;
                    var list = new int[pairs];
                    int count = NonzeroIndices.GatherPairs(x, list);
                    Assert.Equal(expected, list.AsSpan(0, count).ToArray());
                }
            }
            finally
            {
                KernelDispatch.Reset();
            }
        }
    }

    [Theory]
    [InlineData(1, 4320, 100)]
    [InlineData(3, 4321, 100)]
    [InlineData(2, 301, 65)]
    [InlineData(1, 33, 129)]
    [InlineData(5, 127, 10)]
    public void Compact_weights_give_the_same_bits_as_their_plain_product(int batch, int inputs, int outputs)
    {
        var matrix = new CompactMatrix(inputs, outputs);
        matrix.Compress(Reference.Random(inputs * outputs, 2));
        float[] b = Reference.Random(outputs, 3);
        foreach (double density in new[] { 0.0, 0.05, 0.26, 0.74, 0.76, 1.0 })
        {
            float[] x = Sparse(batch * inputs, density, inputs + (int)(density * 100));
            try
            {
                for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
                {
                    KernelDispatch.Level = level;
                    float[] plain = new float[batch * outputs], skipping = new float[batch * outputs];
                    CompactDense.Forward(batch, x, matrix, b, plain);
                    CompactDense.ForwardSkippingZeros(batch, x, matrix, b, skipping);
                    AssertSameResults(plain, skipping, $"{batch}x{inputs}x{outputs} density {density} {level}");
                }
            }
            finally
            {
                KernelDispatch.Reset();
            }
        }
    }

    [Fact]
    public void Compact_weights_of_pairs_whose_inputs_are_zero_are_not_read()
    {
        // NaN weights in every row pair whose two inputs are zero: only a product that never reads them stays finite.
        const int inputs = 4320, outputs = 100;
        float[] x = Sparse(inputs, 0.18, 13), w = Reference.Random(inputs * outputs, 2);
        var clean = new CompactMatrix(inputs, outputs);
        clean.Compress(w);
        for (int p = 0; p < inputs / 2; p++)
        {
            if (x[2 * p] == 0 && x[2 * p + 1] == 0) w.AsSpan(2 * p * outputs, 2 * outputs).Fill(float.NaN);
        }

        var poisoned = new CompactMatrix(inputs, outputs);
        poisoned.Compress(w);
        float[] expected = new float[outputs], actual = new float[outputs];
        CompactDense.Forward(1, x, clean, default, expected);
        CompactDense.ForwardSkippingZeros(1, x, poisoned, default, actual);
        if (KernelDispatch.Level == SimdLevel.Avx512) Assert.Equal(expected, actual);   // (the scalar path reads every row)
        CompactDense.Forward(1, x, poisoned, default, actual);
        Assert.All(actual, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Gather_rejects_a_list_shorter_than_the_input()
    {
        var e = Assert.Throws<ArgumentException>(() => NonzeroIndices.Gather(new float[10], new int[9]));
        Assert.Contains("10", e.Message);
    }

    [Theory]
    [InlineData(1, 4320, 100)]
    [InlineData(2, 4320, 100)]
    [InlineData(3, 301, 65)]
    [InlineData(1, 299, 80)]
    [InlineData(1, 1327, 128)]
    [InlineData(4, 4320, 100)]   // batches that read W once for all rows take the plain product
    [InlineData(8, 333, 127)]
    [InlineData(1, 100, 10)]     // too few outputs for the in-register product
    public void Gives_the_same_bits_as_the_plain_product_and_matches_the_reference(int batch, int inputs, int outputs)
    {
        float[] w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        foreach (double density in new[] { 0.0, 0.05, 0.18, 0.5, 0.74, 0.76, 1.0 })
        {
            float[] x = Sparse(batch * inputs, density, inputs + (int)(density * 100));
            double[] product = ProductWithBias(batch, inputs, outputs, x, w, b);
            try
            {
                for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
                {
                    KernelDispatch.Level = level;
                    float[] plain = new float[batch * outputs], skipping = new float[batch * outputs];
                    for (int call = 0; call < 2; call++)   // both orders of W's halves
                    {
                        Dense.Forward(batch, inputs, outputs, x, w, b, plain);
                        Dense.ForwardSkippingZeros(batch, inputs, outputs, x, w, b, skipping);
                        string what = $"{batch}x{inputs}x{outputs} density {density} {level} call {call}";
                        AssertSameResults(plain, skipping, what);
                        Reference.Close(skipping, product, 1e-4, what);
                    }
                }
            }
            finally
            {
                KernelDispatch.Reset();
            }
        }
    }

    /// <summary>A batch of inputs in which about <paramref name="zeroColumns"/> of the columns are zero in every row, and
    /// about half of the other values are zero too.</summary>
    private static float[] SparseColumns(int batch, int inputs, double zeroColumns, int seed)
    {
        var random = new Random(seed);
        float[] x = Sparse(batch * inputs, 0.5, seed + 1);
        ZeroColumnsByGroup(x, batch, inputs, batch, zeroColumns, random);
        return x;
    }

    /// <summary>Zeroes about <paramref name="fraction"/> of the columns of <paramref name="x"/> in each group of
    /// <paramref name="groupRows"/> consecutive rows, each group its own columns.</summary>
    private static void ZeroColumnsByGroup(float[] x, int batch, int inputs, int groupRows, double fraction, Random random)
    {
        for (int first = 0; first < batch; first += groupRows)
        {
            bool[] zero = Enumerable.Range(0, inputs).Select(_ => random.NextDouble() < fraction).ToArray();
            for (int n = first; n < Math.Min(batch, first + groupRows); n++)
                for (int i = 0; i < inputs; i++)
                    if (zero[i]) x[n * inputs + i] = 0f;
        }
    }

    /// <summary>The skipping product against the plain one (same values) and a float64 reference, with and without bias,
    /// at degrees 1 and 2.</summary>
    private static void SkippingMatchesPlainAtEveryDegree(int batch, int inputs, int outputs, float[] x, float[] w, float[] b, string what)
    {
        double[] product = ProductWithBias(batch, inputs, outputs, x, w, b);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                float[] plain = new float[batch * outputs], skipping = new float[batch * outputs];
                Dense.Forward(batch, inputs, outputs, x, w, b, plain);
                Dense.ForwardSkippingZeros(batch, inputs, outputs, x, w, b, skipping);
                string at = $"{what} degree {degree}";
                AssertSameResults(plain, skipping, at);
                Reference.Close(skipping, product, 1e-4, at);
                Dense.ForwardSkippingZeros(batch, inputs, outputs, x, w, default, skipping);
                Dense.Forward(batch, inputs, outputs, x, w, default, plain);
                AssertSameResults(plain, skipping, at + " no bias");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>Each group of eight rows zero in its own columns (half of them), and no column zero in every row: the
    /// depth-split product walks each group's own list, which a product listing the columns zero throughout could not.</summary>
    [Theory]
    [InlineData(100, 4320, 100)]
    [InlineData(61, 3001, 37)]
    [InlineData(9, 4320, 100)]
    public void Groups_of_eight_rows_skip_the_columns_zero_in_all_their_rows(int batch, int inputs, int outputs)
    {
        float[] w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        float[] x = Sparse(batch * inputs, 0.7, 5);
        ZeroColumnsByGroup(x, batch, inputs, 8, 0.5, new Random(inputs + batch));
        SkippingMatchesPlainAtEveryDegree(batch, inputs, outputs, x, w, b, $"{batch}x{inputs}x{outputs}");
    }

    [Theory]
    [InlineData(2, 4320, 100)]    // one thread's tiles (below the threshold for splitting)
    [InlineData(8, 4320, 100)]
    [InlineData(100, 4320, 100)]  // the depth-split product (a long sum over a small C): each range lists its own zeros
    [InlineData(50, 3001, 37)]    // the same with a depth that no 16-row step divides (the last range is shorter)
    [InlineData(7, 333, 127)]     // one thread's tiles
    [InlineData(128, 2000, 384)]  // columns shared among threads
    [InlineData(3, 1327, 17)]
    public void Several_rows_give_the_same_bits_as_the_plain_product_at_every_degree(int batch, int inputs, int outputs)
    {
        float[] w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        foreach (double zeroColumns in new[] { 0.0, 0.3, 0.6, 1.0 })
        {
            float[] x = SparseColumns(batch, inputs, zeroColumns, inputs + batch);
            SkippingMatchesPlainAtEveryDegree(batch, inputs, outputs, x, w, b, $"{batch}x{inputs}x{outputs} zero columns {zeroColumns}");
        }
    }

    [Theory]
    [InlineData(8, 4320, 100)]
    [InlineData(100, 4320, 100)]
    [InlineData(5, 333, 127)]
    public void Several_rows_do_not_read_the_rows_of_W_whose_inputs_are_all_zero(int batch, int inputs, int outputs)
    {
        if (!GemmFewRowsApplies(batch, outputs, inputs)) return;   // (without AVX-512 it is the plain product)
        float[] x = SparseColumns(batch, inputs, 0.4, 21), w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        double[] product = ProductWithBias(batch, inputs, outputs, x, w, b);
        for (int i = 0; i < inputs; i++)
        {
            if (Enumerable.Range(0, batch).All(n => x[n * inputs + i] == 0)) w.AsSpan(i * outputs, outputs).Fill(float.NaN);
        }

        float[] y = new float[batch * outputs];
        Dense.ForwardSkippingZeros(batch, inputs, outputs, x, w, b, y);
        Reference.Close(y, product, 1e-4, $"{batch}x{inputs}x{outputs}");
    }

    private static bool GemmFewRowsApplies(int m, int n, int k) => GemmFewRows.Applies(m, n, k);

    [Fact]
    public void Depth_ranges_that_list_and_ranges_that_do_not_give_the_plain_results_at_every_degree()
    {
        // The depth split cuts 4,320 into [0, 1024), [1024, 2048), [2048, 3072), [3072, 4320); each range lists its own zero
        // columns and decides alone whether the list pays: here 60% zero, none, all (a band on the range's bounds) and 5%.
        const int batch = 100, inputs = 4320, outputs = 100;
        var random = new Random(17);
        float[] x = Sparse(batch * inputs, 0.7, 19), w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        for (int i = 0; i < inputs; i++)
        {
            bool zero = i < 1024 ? random.NextDouble() < 0.6 : i < 2048 ? false : i < 3072 ? true : random.NextDouble() < 0.05;
            for (int n = 0; n < batch; n++)
            {
                ref float v = ref x[n * inputs + i];
                if (zero) v = 0f;
                else if (n == i % batch) v = 0.5f;   // a column that is not all zero has a non-zero somewhere
            }
        }

        double[] product = ProductWithBias(batch, inputs, outputs, x, w, b);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                float[] plain = new float[batch * outputs], skipping = new float[batch * outputs];
                Dense.Forward(batch, inputs, outputs, x, w, b, plain);
                Dense.ForwardSkippingZeros(batch, inputs, outputs, x, w, b, skipping);
                AssertSameResults(plain, skipping, $"degree {degree}");
                Reference.Close(skipping, product, 1e-4, $"degree {degree}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(100, 4320, 100)]   // depth split: per-range lists in the job's buffer
    [InlineData(128, 2000, 384)]   // columns shared among threads: one list, made by the calling thread
    public void Helpers_allocate_nothing_after_warm_up(int batch, int inputs, int outputs)
    {
        float[] x = SparseColumns(batch, inputs, 0.4, 23), w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        float[] y = new float[batch * outputs];
        HelperAllocations.AssertNoneAfterWarmUp(20, expectHelpers: GemmFewRows.Applies(batch, outputs, inputs),
            () => Dense.ForwardSkippingZeros(batch, inputs, outputs, x, w, b, y));
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 17)]
    [InlineData(100, 4320)]
    [InlineData(7, 33)]
    public void Lists_exactly_the_columns_that_are_not_zero_throughout_at_every_level(int rows, int columns)
    {
        float[] x = SparseColumns(rows, columns, 0.4, rows * columns);
        int[] expected = Enumerable.Range(0, columns).Where(j => Enumerable.Range(0, rows).Any(r => x[r * columns + j] != 0)).ToArray();
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var list = new int[columns];
                int count = NonzeroIndices.GatherColumns(x, rows, columns, list);
                Assert.Equal(expected, list.AsSpan(0, count).ToArray());
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }

        Assert.Throws<ArgumentException>(() => NonzeroIndices.GatherColumns(x.AsSpan(1), rows, columns, new int[columns]));
        Assert.Throws<ArgumentException>(() => NonzeroIndices.GatherColumns(x, rows, columns, new int[columns - 1]));
    }

    [Fact]
    public void Gives_the_same_bits_at_every_alignment_of_W()
    {
        // The listed rows are loaded at their 64-byte boundaries and shifted into place like the plain walk's: W starting at
        // each float offset in a cache line, rows whose last aligned load would pass W's end included.
        const int inputs = 301, outputs = 100;
        float[] x = Sparse(inputs, 0.3, 5), storage = Reference.Random(inputs * outputs + 16, 2), b = Reference.Random(outputs, 3);
        x[inputs - 1] = 0.5f;   // the last rows (added outside the aligned walk) take part
        x[inputs - 2] = 0f;
        for (int offset = 0; offset < 16; offset++)
        {
            ReadOnlySpan<float> w = storage.AsSpan(offset, inputs * outputs);
            float[] plain = new float[outputs], skipping = new float[outputs];
            for (int call = 0; call < 2; call++)
            {
                Dense.Forward(1, inputs, outputs, x, w, b, plain);
                Dense.ForwardSkippingZeros(1, inputs, outputs, x, w, b, skipping);
                AssertSameResults(plain, skipping, $"W at float offset {offset}, call {call}");
            }
        }
    }

    [Theory]
    [InlineData(4320, 100, 0.18)]
    [InlineData(301, 65, 0.5)]
    [InlineData(1327, 128, 0.7)]
    public void Does_not_read_the_rows_whose_input_is_zero(int inputs, int outputs, double density)
    {
        // NaN in every row of W whose input is zero: the plain product turns them into NaN (0 x NaN), the skipping one must
        // never touch them and give the product of the other rows. (Without AVX-512 it is the plain product.)
        if (!Dense.GemvInRegistersApplies(inputs, outputs)) return;
        float[] x = Sparse(inputs, density, 11), w = Reference.Random(inputs * outputs, 2), b = Reference.Random(outputs, 3);
        double[] product = ProductWithBias(1, inputs, outputs, x, w, b);
        for (int i = 0; i < inputs; i++)
        {
            if (x[i] == 0) w.AsSpan(i * outputs, outputs).Fill(float.NaN);
        }

        float[] y = new float[outputs];
        Dense.Forward(1, inputs, outputs, x, w, b, y);
        Assert.All(y, v => Assert.True(float.IsNaN(v)));
        Dense.ForwardSkippingZeros(1, inputs, outputs, x, w, b, y);
        Reference.Close(y, product, 1e-4, $"{inputs}x{outputs} density {density}");
    }

    [Fact]
    public void Rejects_what_the_plain_product_rejects()
    {
        Assert.Throws<ArgumentException>(() => Dense.ForwardSkippingZeros(1, 4320, 100, new float[4319], new float[432_000], default, new float[100]));
        Assert.Throws<ArgumentException>(() => Dense.ForwardSkippingZeros(1, 4320, 100, new float[4320], new float[431_999], default, new float[100]));
        Assert.Throws<ArgumentException>(() => Dense.ForwardSkippingZeros(1, 4320, 100, new float[4320], new float[432_000], new float[99], new float[100]));
        Assert.Throws<ArgumentException>(() => Dense.ForwardSkippingZeros(0, 4320, 100, new float[4320], new float[432_000], default, new float[100]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(100)]
    public void Allocates_nothing_after_the_first_call(int batch)
    {
        float[] x = SparseColumns(batch, 4320, 0.3, 9), w = Reference.Random(432_000, 2), b = Reference.Random(100, 3), y = new float[batch * 100];
        Dense.ForwardSkippingZeros(batch, 4320, 100, x, w, b, y);
        Assert.Equal(0, AllocationProbe.Least(() =>
        {
            for (int call = 0; call < 10; call++) Dense.ForwardSkippingZeros(batch, 4320, 100, x, w, b, y);
        }));
    }
}
