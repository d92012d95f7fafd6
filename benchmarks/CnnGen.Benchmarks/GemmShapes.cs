using System;
using System.Collections.Generic;

namespace CnnGen.Benchmarks
{
    /// <summary>The products the GEMM benchmarks measure.</summary>
    public sealed record GemmShape(string Name, bool TransA, bool TransB, int M, int N, int K)
    {
        public double Flops => 2.0 * M * N * K;

        public override string ToString() => Name;

        public static IEnumerable<GemmShape> All()
        {
            yield return new GemmShape("512^3", false, false, 512, 512, 512);
            yield return new GemmShape("1024^3", false, false, 1024, 1024, 1024);
            yield return new GemmShape("conv 30x25*25x57600", false, false, 30, 57600, 25);
            yield return new GemmShape("conv 57600x25*25x30", false, false, 57600, 30, 25);
            yield return new GemmShape("affine 100x4320*4320x100", false, false, 100, 100, 4320);
            yield return new GemmShape("affine dW (100x4320)T*100x100", true, false, 4320, 100, 100);
            yield return new GemmShape("affine dX 100x100*(4320x100)T", false, true, 100, 4320, 100);
        }
    }
}
