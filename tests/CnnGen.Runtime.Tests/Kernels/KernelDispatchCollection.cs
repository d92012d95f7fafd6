namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>Tests that change <see cref="CnnGen.Kernels.KernelDispatch"/> run alone, never beside tests that depend on it.</summary>
[CollectionDefinition("KernelDispatch", DisableParallelization = true)]
public sealed class KernelDispatchCollection
{
}
