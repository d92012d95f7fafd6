using Microsoft.CodeAnalysis;

namespace CnnGen.Generator.Diagnostics
{
    /// <summary>Every diagnostic CnnGen reports. IDs are stable and tracked in AnalyzerReleases.*.md.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "CnnGen";

        public static DiagnosticDescriptor ById(string id) => id switch
        {
            "CNN001" => OutputTooSmall,
            "CNN002" => StrideDoesNotTile,
            "CNN003" => InvalidInput,
            "CNN004" => InvalidNetworkClass,
            "CNN005" => MisplacedSoftmax,
            "CNN006" => ArgumentOutOfRange,
            "CNN007" => SplitDeclaration,
            "CNN008" => SpatialAfterFlat,
            "CNN009" => MissingLoss,
            "CNN010" => PadAtLeastKernel,
            "CNN011" => ResidualShapeMismatch,
            "CNN012" => UnbalancedResidual,
            _ => NetworkTooLarge,
        };

        public static readonly DiagnosticDescriptor OutputTooSmall = new(
            "CNN001", "Layer output is empty", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            description: "A convolution or pooling window is larger than its padded input, so out = floor((N - F + 2P) / S) + 1 is below 1.");

        public static readonly DiagnosticDescriptor StrideDoesNotTile = new(
            "CNN002", "Stride does not tile the input", "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            description: "(N - F + 2P) is not a multiple of S: the last rows and columns of the padded input are never read.");

        public static readonly DiagnosticDescriptor InvalidInput = new(
            "CNN003", "Missing or invalid Input", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor InvalidNetworkClass = new(
            "CNN004", "Network class cannot be generated", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor MisplacedSoftmax = new(
            "CNN005", "SoftmaxWithLoss must be the last layer, once", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ArgumentOutOfRange = new(
            "CNN006", "Layer argument out of range", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor SplitDeclaration = new(
            "CNN007", "Layers spread over several declarations", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor SpatialAfterFlat = new(
            "CNN008", "Spatial layer after Affine", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor MissingLoss = new(
            "CNN009", "Network has no SoftmaxWithLoss", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor PadAtLeastKernel = new(
            "CNN010", "Padding as large as the window", "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ResidualShapeMismatch = new(
            "CNN011", "Residual shapes differ", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor UnbalancedResidual = new(
            "CNN012", "Residual block not balanced", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor NetworkTooLarge = new(
            "CNN013", "Network too large", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    }
}
