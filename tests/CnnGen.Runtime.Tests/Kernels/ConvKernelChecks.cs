using System;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The checks every routed convolution kernel's tests run on their own shapes (the caller first asserts that the
/// shape takes its kernel): the forward pass with and without bias and with ReLU, at one and two threads, and the input
/// gradient computed as a convolution, each against the double-precision reference with guard values past the output;
/// and that the backward passes allocate nothing after their first call. Callers belong to the "KernelDispatch" collection: the checks set the degree of parallelism.</summary>
internal static class ConvKernelChecks
{
    /// <summary><see cref="Conv2D.Forward"/> and <see cref="Conv2D.ForwardRelu"/> on random inputs, weights and bias made
    /// from <paramref name="seed"/>, <paramref name="seed"/> + 1 and <paramref name="seed"/> + 2.</summary>
    public static void ForwardMatchesReference(in ConvGeometry g, int batch, int seed, double tolerance)
    {
        float[] x = Reference.Random(batch * g.InputSize, seed), weights = Reference.Random(g.WeightSize, seed + 1), bias = Reference.Random(g.Filters, seed + 2);
        double[] expected = Reference.ConvForward(g, batch, x, weights, bias);
        double[] expectedNoBias = Reference.ConvForward(g, batch, x, weights, null);
        var rectified = new double[expected.Length];
        for (int i = 0; i < expected.Length; i++) rectified[i] = Math.Max(0, expected[i]);
        int length = batch * g.OutputSize;
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                var workspace = new float[Conv2D.WorkspaceSize(g)];
                float[] y = Reference.Guarded(length);
                Conv2D.Forward(g, batch, x, weights, bias, y.AsSpan(0, length), workspace);
                Reference.Close(y.AsSpan(0, length), expected, tolerance, $"forward {g} batch {batch} degree {degree}");
                Reference.AssertGuardIntact(y, length);

                y = Reference.Guarded(length);
                Conv2D.Forward(g, batch, x, weights, ReadOnlySpan<float>.Empty, y.AsSpan(0, length), workspace);
                Reference.Close(y.AsSpan(0, length), expectedNoBias, tolerance, $"forward without bias {g} degree {degree}");
                Reference.AssertGuardIntact(y, length);

                y = Reference.Guarded(length);
                Conv2D.ForwardRelu(g, batch, x, weights, bias, y.AsSpan(0, length), workspace);
                Reference.Close(y.AsSpan(0, length), rectified, tolerance, $"forward + ReLU {g} degree {degree}");
                Reference.AssertGuardIntact(y, length);
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary><see cref="Conv2D.BackwardData"/> on random inputs, weights and output gradient made from
    /// <paramref name="seed"/>, <paramref name="seed"/> + 1 and <paramref name="seed"/> + 2.</summary>
    public static void InputGradientMatchesReference(in ConvGeometry g, int batch, int seed, double tolerance)
    {
        float[] x = Reference.Random(batch * g.InputSize, seed), weights = Reference.Random(g.WeightSize, seed + 1), dy = Reference.Random(batch * g.OutputSize, seed + 2);
        var (_, _, dx) = Reference.ConvBackward(g, batch, x, weights, dy);
        var workspace = new float[Conv2D.WorkspaceSize(g)];
        float[] actual = Reference.Guarded(batch * g.InputSize);
        Conv2D.BackwardData(g, batch, dy, weights, actual.AsSpan(0, batch * g.InputSize), workspace);
        Reference.Close(actual.AsSpan(0, batch * g.InputSize), dx, tolerance, $"dx {g}");
        Reference.AssertGuardIntact(actual, batch * g.InputSize);
    }

    /// <summary><see cref="Conv2D.BackwardFilter"/> allocates nothing after its first call, at one and two threads.</summary>
    public static void FilterGradientAllocatesNothing(ConvGeometry g, int batch)
    {
        float[] x = Reference.Random(batch * g.InputSize, 1), dy = Reference.Random(batch * g.OutputSize, 2);
        float[] gw = new float[g.WeightSize], gb = new float[g.Filters], ws = new float[Conv2D.WorkspaceSize(g)];
        AtBothDegrees(() => Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, ws));
    }

    /// <summary><see cref="Conv2D.BackwardData"/> allocates nothing after its first call, at one and two threads.</summary>
    public static void InputGradientAllocatesNothing(ConvGeometry g, int batch)
    {
        float[] w = Reference.Random(g.WeightSize, 1), dy = Reference.Random(batch * g.OutputSize, 2), dx = new float[batch * g.InputSize];
        var workspace = new float[Conv2D.WorkspaceSize(g)];
        AtBothDegrees(() => Conv2D.BackwardData(g, batch, dy, w, dx, workspace));
    }

    private static void AtBothDegrees(Action call)
    {
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                KernelDispatch.MaxDegreeOfParallelism = degree;
                call();
                Assert.Equal(0, AllocationProbe.Least(call));
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }
}
