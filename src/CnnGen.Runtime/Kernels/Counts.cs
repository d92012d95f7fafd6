namespace CnnGen.Kernels
{
    /// <summary>A count known to the JIT: a kernel generic over these struct types (<c>where T : struct, ICount</c>) is compiled
    /// once per type, with <c>T.Value</c> a constant and the branches on it folded away, so one source serves register tiles
    /// of several shapes without a runtime test in the inner loop.</summary>
    internal interface ICount
    {
        static abstract int Value { get; }
    }

    internal struct One : ICount { public static int Value => 1; }

    internal struct Two : ICount { public static int Value => 2; }

    internal struct Three : ICount { public static int Value => 3; }

    internal struct Four : ICount { public static int Value => 4; }

    internal struct Five : ICount { public static int Value => 5; }

    internal struct Six : ICount { public static int Value => 6; }

    internal struct Seven : ICount { public static int Value => 7; }

    internal struct Eight : ICount { public static int Value => 8; }

    internal struct Nine : ICount { public static int Value => 9; }

    internal struct Ten : ICount { public static int Value => 10; }

    internal struct Eleven : ICount { public static int Value => 11; }

    internal struct Twelve : ICount { public static int Value => 12; }
}
