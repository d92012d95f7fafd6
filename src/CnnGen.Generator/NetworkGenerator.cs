using Microsoft.CodeAnalysis;

namespace CnnGen.Generator
{
    /// <summary>Wires the incremental pipeline.</summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
        }
    }
}
