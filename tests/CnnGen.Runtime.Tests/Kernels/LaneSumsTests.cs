using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The four lane sums at once against a plain sum of each accumulator's sixteen lanes.</summary>
public sealed class LaneSumsTests
{
    [Fact]
    public void Of_four_gives_each_accumulators_sum_in_order()
    {
        if (!Avx512F.IsSupported) return;
        var random = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            var lanes = new float[4][];
            for (int a = 0; a < 4; a++)
            {
                lanes[a] = new float[16];
                for (int i = 0; i < 16; i++) lanes[a][i] = (float)(random.NextDouble() * 2 - 1) * (a + 1);
            }

            Vector128<float> sums = LaneSums.OfFour(Vector512.Create(lanes[0]), Vector512.Create(lanes[1]), Vector512.Create(lanes[2]), Vector512.Create(lanes[3]));
            for (int a = 0; a < 4; a++)
            {
                double expected = 0;
                foreach (float v in lanes[a]) expected += v;
                Assert.True(Math.Abs(sums.GetElement(a) - expected) < 1e-5, $"accumulator {a}: {sums.GetElement(a)} against {expected}");
            }
        }
    }
}
