namespace CnnGen.Generator
{
    /// <summary>Names of the pipeline steps, so tests can check what was cached.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Plan = nameof(Plan);
        public const string MissingInput = nameof(MissingInput);
        public const string Diagnostics = nameof(Diagnostics);
    }
}
