using System;
using System.Numerics.Tensors;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The ReLU kernel gives exactly <c>TensorPrimitives.Max(x, 0)</c>: NaN stays NaN, -0 becomes +0, on odd lengths.</summary>
public sealed class ReluTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(16_385)]
    public void Matches_TensorPrimitives_Max_bit_for_bit(int length)
    {
        float[] x = Reference.Random(length, 1);
        float[] specials = { float.NaN, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, float.Epsilon, -float.Epsilon };
        for (int i = 0; i < length; i += 3) x[i] = specials[i / 3 % specials.Length];
        float[] expected = new float[length], actual = new float[length];
        TensorPrimitives.Max(x, 0f, expected);
        ElementwiseSimd.Relu(x, actual);
        for (int i = 0; i < length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"element {i}: relu({x[i]}) is {actual[i]}, expected {expected[i]}");
        }

        ElementwiseSimd.Relu(x, x);  // in place
        Assert.Equal(expected, x);
    }
}
