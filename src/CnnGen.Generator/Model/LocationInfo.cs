using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator.Model
{
    /// <summary>A source location reduced to plain values (a <see cref="Location"/> holds a syntax tree, which would pin
    /// old compilations in memory and break incremental caching).</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation(Compilation? compilation = null)
        {
            if (compilation is not null)
            {
                foreach (SyntaxTree tree in compilation.SyntaxTrees)
                {
                    if (tree.FilePath == FilePath)
                    {
                        return Location.Create(tree, Span);
                    }
                }
            }

            return Location.Create(FilePath, Span, LineSpan);
        }

        public static LocationInfo? From(SyntaxNode? node)
        {
            if (node is null) return null;
            Location location = node.GetLocation();
            return new LocationInfo(location.SourceTree?.FilePath ?? string.Empty, location.SourceSpan, location.GetLineSpan().Span);
        }
    }

    /// <summary>A diagnostic as plain data: which descriptor, where, and the formatted message.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, string Message)
    {
        /// <summary>The diagnostic, placed in <paramref name="compilation"/>'s syntax tree so that pragmas and .editorconfig apply.</summary>
        public Diagnostic ToDiagnostic(Compilation? compilation = null)
        {
            DiagnosticDescriptor descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
            return Diagnostic.Create(descriptor, Location?.ToLocation(compilation), Message);
        }
    }
}
