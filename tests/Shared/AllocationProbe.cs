using System;
using System.Runtime;

namespace CnnGen.Tests.Shared;

/// <summary>
/// Bytes the calling thread allocates while it runs an action. <see cref="GC.GetAllocatedBytesForCurrentThread"/> is now
/// and then off by about one allocation quantum (8 KB) when a collection that other threads trigger falls inside the
/// window (the runtime's own test of it allows for this, dotnet/runtime#63487), which made zero-allocation checks fail
/// once in a while when test classes run in parallel. So each window runs inside a no-GC region where one can be had,
/// and a per-call check takes the least of several windows: code that allocates on every call allocates in each of them.
/// </summary>
internal static class AllocationProbe
{
    private const long NoGcBudget = 32L << 20;

    /// <summary>Bytes allocated by one run of <paramref name="action"/> (for checks of what a particular run must not allocate).</summary>
    public static long Once(Action action)
    {
        bool region = false;
        try
        {
            region = GC.TryStartNoGCRegion(NoGcBudget);
        }
        catch (InvalidOperationException)
        {
            // Another test holds the region.
        }

        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        finally
        {
            if (region && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }

    /// <summary>The least bytes allocated by <paramref name="action"/> over <paramref name="windows"/> runs (for checks that
    /// a steady state allocates nothing per call).</summary>
    public static long Least(Action action, int windows = 3)
    {
        long least = long.MaxValue;
        for (int w = 0; w < windows && least != 0; w++) least = Math.Min(least, Once(action));
        return least;
    }
}
