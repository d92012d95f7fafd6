namespace CnnGen.Generator.Model
{
    // The model is immutable and compares by value: the incremental pipeline caches on equality, so it
    // must never hold ISymbol, SyntaxNode, Location or Compilation (a test walks it to make sure).

    /// <summary>What kind of layer an attribute declares.</summary>
    internal enum LayerKind
    {
        Conv,
        MaxPool,
        AvgPool,
        GlobalAvgPool,
        Relu,
        Sigmoid,
        Tanh,
        Affine,
        Dropout,
        BatchNorm,
        ResidualBegin,
        ResidualEnd,
        SoftmaxWithLoss,
    }

    /// <summary>
    /// One layer attribute as written: its kind, its arguments (unused ones are zero) and where it is.
    /// One record for all kinds keeps equality, parsing and robustness tests simple; <see cref="Kind"/> says
    /// which fields mean something.
    /// </summary>
    internal sealed record LayerSpec(
        LayerKind Kind,
        string SourceText,
        LocationInfo? Location,
        long Count = 0,
        long Size = 0,
        long Stride = 0,
        long Pad = 0,
        bool Bias = true,
        double Rate = 0,
        double Momentum = 0.9,
        double Epsilon = 1e-5,
        bool Projection = false);

    /// <summary>A type that contains the network class (the generated code re-opens it).</summary>
    internal sealed record ContainingTypeSpec(string Keyword, string Name);

    /// <summary>The <c>[Input(c, h, w)]</c> declaration.</summary>
    internal sealed record InputSpec(long Channels, long Height, long Width, LocationInfo? Location);

    /// <summary>Everything the parser reads from one network declaration.</summary>
    internal sealed record NetworkSpec(
        string? Namespace,
        string ClassName,
        string Accessibility,
        EquatableArray<ContainingTypeSpec> ContainingTypes,
        InputSpec? Input,
        EquatableArray<LayerSpec> Layers,
        LocationInfo? ClassLocation,
        bool ClassIsValid,
        bool AttributesAreValid);

    /// <summary>The parser's result: a spec (when the class can be generated at all) plus diagnostics.</summary>
    internal sealed record ParseResult(NetworkSpec Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
