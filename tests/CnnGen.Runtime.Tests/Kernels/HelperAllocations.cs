using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Checks that the parallel pool's helper threads allocate nothing once a kernel has been warmed up.</summary>
internal static class HelperAllocations
{
    /// <summary>At degree 2, runs <paramref name="calls"/> once (the warm-up, which sizes every buffer), then
    /// <paramref name="rounds"/> more times with the back-off cleared before each call (so the helpers take part), and asserts
    /// that the helpers allocated nothing after the warm-up and, when <paramref name="expectHelpers"/>, that they did join.
    /// On a loaded machine (other test assemblies run at the same time) a helper may not wake before the calling thread has
    /// done every block of a short job, for many jobs in a row: the rounds then go on, up to a few seconds, until one joins.</summary>
    public static void AssertNoneAfterWarmUp(int rounds, bool expectHelpers, params Action[] calls)
    {
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 2;
            RunAll(calls);
            long helpers = ParallelBlocks.HelperAllocatedBytes, jobs = ParallelBlocks.HelperJobs;
            for (int i = 0; i < rounds; i++) RunAll(calls);
            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (expectHelpers && ParallelBlocks.HelperJobs == jobs && patience.Elapsed.TotalSeconds < 5) RunAll(calls);
            Assert.Equal(helpers, ParallelBlocks.HelperAllocatedBytes);
            if (expectHelpers) Assert.True(ParallelBlocks.HelperJobs > jobs, "the helpers never took part, so the check above proves nothing");
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    private static void RunAll(Action[] calls)
    {
        foreach (Action call in calls)
        {
            ParallelBlocks.ResetBackoff();
            call();
        }
    }
}
