using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.Generator.Parsing
{
    /// <summary>
    /// Turns a class carrying CnnGen attributes into a <see cref="NetworkSpec"/>. The only code that
    /// touches Roslyn symbols; everything after it works on plain values.
    /// </summary>
    internal static class NetworkParser
    {
        public static ParseResult Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            LocationInfo? classLocation = ClassLocation(type, cancellationToken);
            bool classIsValid = CheckClass(type, classLocation, diagnostics, cancellationToken);
            bool attributesAreValid = true;

            InputSpec? input = null;
            var layers = new List<LayerSpec>();
            SyntaxNode? firstLayerDeclaration = null;
            bool reportedSplit = false;
            foreach (AttributeData attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? name = attribute.AttributeClass?.ToDisplayString();
                if (name is null || attribute.AttributeClass!.ContainingNamespace?.ToDisplayString() != "CnnGen")
                {
                    continue;
                }

                SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
                LocationInfo? location = LocationInfo.From(syntax);
                string text = syntax?.ToString() ?? name;
                if (HasErrors(attribute))
                {
                    // The compiler already reports the malformed attribute; generate the skeleton only.
                    attributesAreValid = false;
                    continue;
                }

                if (name == AttributeNames.Input)
                {
                    input = new InputSpec(Int(attribute, 0), Int(attribute, 1), Int(attribute, 2), location);
                    continue;
                }

                LayerSpec? layer = ParseLayer(name, attribute, text, location);
                if (layer is null)
                {
                    continue;
                }

                SyntaxNode? declaration = syntax?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                firstLayerDeclaration ??= declaration;
                if (!reportedSplit && declaration is not null && firstLayerDeclaration is not null && declaration != firstLayerDeclaration)
                {
                    reportedSplit = true;
                    attributesAreValid = false;
                    diagnostics.Add(new DiagnosticInfo("CNN007", location,
                        $"CNN007: '{type.Name}' declares layers on more than one partial declaration ('{text}' is on another one); layer order is the attribute order on one declaration, so move all layer attributes to a single declaration"));
                }

                layers.Add(layer);
            }

            var spec = new NetworkSpec(
                type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                type.Name,
                Accessibility(type),
                ContainingTypes(type),
                input,
                layers.ToEquatableArray(),
                classLocation,
                classIsValid,
                attributesAreValid);
            return new ParseResult(spec, diagnostics.ToEquatableArray());
        }

        /// <summary>For a class with layer attributes but no <c>[Input]</c>: CNN003 on the first layer attribute.</summary>
        public static DiagnosticInfo? MissingInput(INamedTypeSymbol type, AttributeData matched, CancellationToken cancellationToken)
        {
            AttributeData? first = null;
            foreach (AttributeData attribute in type.GetAttributes())
            {
                string? name = attribute.AttributeClass?.ToDisplayString();
                if (name == AttributeNames.Input) return null;
                if (first is null && name is not null && AttributeNames.Layers.Contains(name)) first = attribute;
            }

            // Several layer attributes trigger this check; only the first one reports, so the user sees one error.
            if (first is null || !ReferenceEquals(first, matched) && first.ApplicationSyntaxReference?.Span != matched.ApplicationSyntaxReference?.Span)
            {
                return null;
            }

            LocationInfo? location = LocationInfo.From(matched.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
            return new DiagnosticInfo("CNN003", location,
                $"CNN003: '{type.Name}' declares layers but no [Input(channels, height, width)]; add one, e.g. [Input(1, 28, 28)] for MNIST");
        }

        private static LayerSpec? ParseLayer(string name, AttributeData a, string text, LocationInfo? location)
        {
            switch (name)
            {
                case "CnnGen.ConvAttribute":
                    return new LayerSpec(LayerKind.Conv, text, location, Count: Int(a, 0), Size: Int(a, 1),
                        Stride: Named(a, "Stride", 1), Pad: Named(a, "Pad", 0), Bias: NamedBool(a, "Bias", true));
                case "CnnGen.MaxPoolAttribute":
                case "CnnGen.AvgPoolAttribute":
                {
                    long size = Int(a, 0);
                    long stride = Named(a, "Stride", 0);
                    return new LayerSpec(name == "CnnGen.MaxPoolAttribute" ? LayerKind.MaxPool : LayerKind.AvgPool, text, location,
                        Size: size, Stride: stride == 0 ? size : stride, Pad: Named(a, "Pad", 0));
                }

                case "CnnGen.GlobalAvgPoolAttribute": return new LayerSpec(LayerKind.GlobalAvgPool, text, location);
                case "CnnGen.ReluAttribute": return new LayerSpec(LayerKind.Relu, text, location);
                case "CnnGen.SigmoidAttribute": return new LayerSpec(LayerKind.Sigmoid, text, location);
                case "CnnGen.TanhAttribute": return new LayerSpec(LayerKind.Tanh, text, location);
                case "CnnGen.AffineAttribute": return new LayerSpec(LayerKind.Affine, text, location, Count: Int(a, 0));
                case "CnnGen.DropoutAttribute": return new LayerSpec(LayerKind.Dropout, text, location, Rate: Double(a, 0));
                case "CnnGen.BatchNormAttribute":
                    return new LayerSpec(LayerKind.BatchNorm, text, location,
                        Momentum: NamedDouble(a, "Momentum", 0.9), Epsilon: NamedDouble(a, "Epsilon", 1e-5));
                case "CnnGen.ResidualAttribute":
                    return new LayerSpec(LayerKind.ResidualBegin, text, location, Projection: NamedBool(a, "Projection", false));
                case "CnnGen.EndResidualAttribute": return new LayerSpec(LayerKind.ResidualEnd, text, location);
                case "CnnGen.SoftmaxWithLossAttribute": return new LayerSpec(LayerKind.SoftmaxWithLoss, text, location);
                default: return null;
            }
        }

        private static bool CheckClass(INamedTypeSymbol type, LocationInfo? location, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            string? problem = null;
            if (type.TypeKind != TypeKind.Class) problem = "is not a class";
            else if (type.IsStatic) problem = "is static";
            else if (type.TypeParameters.Length > 0) problem = "is generic";
            else if (!IsPartial(type, cancellationToken)) problem = "is not partial";
            else
            {
                for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
                {
                    if (outer.TypeParameters.Length > 0) { problem = $"is nested in the generic type '{outer.Name}'"; break; }
                    if (!IsPartial(outer, cancellationToken)) { problem = $"is nested in '{outer.Name}', which is not partial"; break; }
                }
            }

            if (problem is null) return true;
            diagnostics.Add(new DiagnosticInfo("CNN004", location,
                $"CNN004: network class '{type.Name}' {problem}; declare it as a non-generic 'partial class' (nested only in partial, non-generic types) so CnnGen can add the generated members"));
            return false;
        }

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            type.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

        private static LocationInfo? ClassLocation(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            SyntaxNode? node = type.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken);
            if (node is TypeDeclarationSyntax declaration)
            {
                Location l = declaration.Identifier.GetLocation();
                return new LocationInfo(l.SourceTree?.FilePath ?? string.Empty, l.SourceSpan, l.GetLineSpan().Span);
            }

            return LocationInfo.From(node);
        }

        private static string Accessibility(INamedTypeSymbol type) => type.DeclaredAccessibility switch
        {
            Microsoft.CodeAnalysis.Accessibility.Public => "public",
            Microsoft.CodeAnalysis.Accessibility.Private => "private",
            Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
            Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
            Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
            _ => "internal",
        };

        private static EquatableArray<ContainingTypeSpec> ContainingTypes(INamedTypeSymbol type)
        {
            var list = new List<ContainingTypeSpec>();
            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                string keyword = outer.IsRecord ? (outer.TypeKind == TypeKind.Struct ? "record struct" : "record")
                    : outer.TypeKind == TypeKind.Struct ? "struct" : outer.TypeKind == TypeKind.Interface ? "interface" : "class";
                list.Insert(0, new ContainingTypeSpec(keyword, outer.Name));
            }

            return list.ToEquatableArray();
        }

        private static bool HasErrors(AttributeData attribute)
        {
            if (attribute.AttributeClass is null || attribute.AttributeClass.TypeKind == TypeKind.Error || attribute.AttributeConstructor is null)
            {
                return true;
            }

            foreach (TypedConstant argument in attribute.ConstructorArguments)
            {
                if (argument.Kind == TypedConstantKind.Error) return true;
            }

            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error) return true;
            }

            return false;
        }

        private static long Int(AttributeData a, int index) =>
            index < a.ConstructorArguments.Length && a.ConstructorArguments[index].Value is int v ? v : 0;

        private static double Double(AttributeData a, int index) =>
            index < a.ConstructorArguments.Length ? a.ConstructorArguments[index].Value switch
            {
                double d => d,
                float f => f,
                int i => i,
                _ => 0,
            } : 0;

        private static long Named(AttributeData a, string name, long fallback)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in a.NamedArguments)
            {
                if (argument.Key == name && argument.Value.Value is int v) return v;
            }

            return fallback;
        }

        private static double NamedDouble(AttributeData a, string name, double fallback)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in a.NamedArguments)
            {
                if (argument.Key == name)
                {
                    return argument.Value.Value switch { double d => d, float f => f, int i => i, _ => fallback };
                }
            }

            return fallback;
        }

        private static bool NamedBool(AttributeData a, string name, bool fallback)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in a.NamedArguments)
            {
                if (argument.Key == name && argument.Value.Value is bool v) return v;
            }

            return fallback;
        }
    }
}
