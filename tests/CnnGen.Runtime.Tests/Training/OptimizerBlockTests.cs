using CnnGen.Kernels;
using CnnGen.Runtime.Tests.Kernels;
using CnnGen.Training;

namespace CnnGen.Runtime.Tests.Training;

/// <summary>Steps update parameters in blocks of <see cref="Optimizer.BlockSize"/> elements, shared among threads: a large
/// parameter must come out as the same elements held in parameters of one block each, at every degree.</summary>
[Collection("KernelDispatch")]
public sealed class OptimizerBlockTests
{
    private const int Tail = 37;
    private const int FullBlocks = 9; // 9 x 8,192 + 37 = 73,765 elements: enough to share the blocks among threads

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Runs three steps on <paramref name="parameters"/>, gradients from a fixed quadratic of the values.</summary>
    private static void Steps(Optimizer optimizer, Parameter[] parameters)
    {
        for (int step = 0; step < 3; step++)
        {
            foreach (Parameter p in parameters)
            {
                for (int i = 0; i < p.Length; i++) p.Gradients[i] = 0.7f * p.Values[i] - 0.05f;
            }

            optimizer.Step(parameters);
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerTests.All), MemberType = typeof(OptimizerTests))]
    public void A_large_parameter_is_updated_as_its_blocks_would_be_alone_at_every_degree(string name)
    {
        int length = FullBlocks * Optimizer.BlockSize + Tail;
        float[] initial = Values(length, 4);
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                var whole = new Parameter("W1", [length], ParameterRole.Weight, 100, 100, InitKind.He);
                initial.CopyTo(whole.Values);
                Optimizer big = OptimizerTests.Create(name);
                big.WeightDecay = name == "adamw" ? 1e-4f : 0.01f;
                Steps(big, [whole]);

                // The same elements as one parameter per block (each then starts at offset 0 of its own state).
                var pieces = Enumerable.Range(0, FullBlocks + 1)
                    .Select(b => new Parameter($"W{b + 1}", [b < FullBlocks ? Optimizer.BlockSize : Tail], ParameterRole.Weight, 100, 100, InitKind.He))
                    .ToArray();
                for (int b = 0; b < pieces.Length; b++) initial.AsSpan(b * Optimizer.BlockSize, pieces[b].Length).CopyTo(pieces[b].Values);
                Optimizer small = OptimizerTests.Create(name);
                small.WeightDecay = big.WeightDecay;
                Steps(small, pieces);

                float[] expected = pieces.SelectMany(p => p.Values).ToArray();
                for (int i = 0; i < length; i++)
                {
                    if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(whole.Values[i]))
                    {
                        Assert.Fail($"{name}, degree {degree}: element {i} (block {i / Optimizer.BlockSize}) is {whole.Values[i]}, {expected[i]} as its own parameter.");
                    }
                }

                Assert.NotEqual(initial, whole.Values);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void Steps_on_two_threads_allocate_nothing_on_the_helpers_after_warm_up()
    {
        // Long enough (about half a millisecond a step) for a helper woken from sleep to take part.
        int length = 48 * Optimizer.BlockSize + Tail;
        var parameters = new[] { new Parameter("W1", [length], ParameterRole.Weight, 100, 100, InitKind.He) };
        Values(length, 2).CopyTo(parameters[0].Values);
        var adam = new Adam(0.01f) { WeightDecay = 0.01f };
        // Two steps in the warm-up: a helper's second step allocated 24 bytes once (measured), and none after.
        HelperAllocations.AssertNoneAfterWarmUp(rounds: 5, expectHelpers: true, () => adam.Step(parameters), () => adam.Step(parameters));
    }
}
