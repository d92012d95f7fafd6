using CnnGen.Kernels;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Checks that the parallel pool's helper threads allocate nothing once a kernel has been warmed up.</summary>
internal static class HelperAllocations
{
    /// <summary>At degree 2, runs <paramref name="calls"/> once (the warm-up, which sizes every buffer), then
    /// <paramref name="rounds"/> more times with the back-off cleared before each call (so the helpers take part), and asserts
    /// that the helpers allocated nothing after the warm-up and, when <paramref name="expectHelpers"/>, that they did join.</summary>
    public static void AssertNoneAfterWarmUp(int rounds, bool expectHelpers, params Action[] calls)
    {
        try
        {
            KernelDispatch.MaxDegreeOfParallelism = 2;
            RunAll(calls);
            long helpers = ParallelBlocks.HelperAllocatedBytes, jobs = ParallelBlocks.HelperJobs;
            for (int i = 0; i < rounds; i++) RunAll(calls);
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
