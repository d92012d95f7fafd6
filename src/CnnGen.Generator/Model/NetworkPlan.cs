namespace CnnGen.Generator.Model
{
    /// <summary>
    /// One step of the planned network: a layer with its input and output shapes, its parameter names,
    /// cost, and the buffer names the emitters use. Holds no source locations, so moving the declaration
    /// in the file does not regenerate the code.
    /// </summary>
    internal sealed record LayerPlan(
        int Number,
        LayerKind Kind,
        string Description,
        string SourceText,
        Shape In,
        Shape Out,
        long Count,
        long Size,
        long Stride,
        long Pad,
        bool Bias,
        double Rate,
        double Momentum,
        double Epsilon,
        int ParameterNumber,
        long ParameterCount,
        long Flops,
        string InputBuffer,
        string OutputBuffer,
        string InputGradient,
        string OutputGradient,
        int BlockBegin,
        bool Projection,
        long ProjectionStride,
        int ProjectionParameterNumber,
        string Algorithm,
        string InitKind);

    /// <summary>The planned network: what the emitters turn into C#.</summary>
    internal sealed record NetworkPlan(
        string? Namespace,
        string ClassName,
        string Accessibility,
        EquatableArray<ContainingTypeSpec> ContainingTypes,
        Shape Input,
        EquatableArray<LayerPlan> Layers,
        long ParameterCount,
        long Flops,
        string CanonicalSpec,
        ulong Fingerprint,
        bool IsValid,
        bool CanHostCode);

    /// <summary>Shape inference's result: the plan and the diagnostics to report.</summary>
    internal sealed record PlanResult(NetworkPlan Plan, EquatableArray<DiagnosticInfo> Diagnostics);
}
