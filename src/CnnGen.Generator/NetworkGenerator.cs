using System.Collections.Immutable;
using CnnGen.Generator.Emit;
using CnnGen.Generator.Model;
using CnnGen.Generator.Parsing;
using CnnGen.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator
{
    /// <summary>
    /// Wires the incremental pipeline and nothing else:
    /// <c>[Input]</c> classes → <see cref="NetworkParser"/> (symbols → <see cref="NetworkSpec"/>) →
    /// <see cref="ShapeInference"/> (spec → <see cref="NetworkPlan"/> + diagnostics) → emitters → one file per network.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeNames.Input,
                    predicate: static (node, _) => node is ClassDeclarationSyntax,
                    transform: static (ctx, ct) => NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct))
                .WithTrackingName(TrackingNames.Parse);

            IncrementalValuesProvider<PlanResult> planned = parsed
                .Select(static (result, _) => Combine(result, ShapeInference.Infer(result.Spec)))
                .WithTrackingName(TrackingNames.Plan);

            // Diagnostics carry source locations; the code does not. Splitting them lets a moved declaration
            // re-report its diagnostics without regenerating the (unchanged) code. Reporting needs the syntax tree
            // (so that #pragma warning disable and .editorconfig severities apply), hence the compilation here only.
            IncrementalValuesProvider<(EquatableArray<DiagnosticInfo> Diagnostics, Compilation Compilation)> diagnostics = planned
                .Select(static (r, _) => r.Diagnostics)
                .Combine(context.CompilationProvider)
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, pair) =>
            {
                foreach (DiagnosticInfo diagnostic in pair.Diagnostics)
                {
                    spc.ReportDiagnostic(diagnostic.ToDiagnostic(pair.Compilation));
                }
            });

            context.RegisterSourceOutput(planned.Select(static (r, _) => r.Plan), static (spc, plan) => Emit(spc, plan));

            foreach (string layerAttribute in AttributeNames.Layers)
            {
                IncrementalValuesProvider<DiagnosticInfo?> missing = context.SyntaxProvider
                    .ForAttributeWithMetadataName(
                        layerAttribute,
                        predicate: static (node, _) => node is ClassDeclarationSyntax,
                        transform: static (ctx, ct) => ctx.Attributes.Length > 0
                            ? NetworkParser.MissingInput((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], ct)
                            : null)
                    .WithTrackingName(TrackingNames.MissingInput);
                context.RegisterSourceOutput(missing.Combine(context.CompilationProvider).WithTrackingName(TrackingNames.Diagnostics), static (spc, pair) =>
                {
                    if (pair.Left is not null) spc.ReportDiagnostic(pair.Left.ToDiagnostic(pair.Right));
                });
            }
        }

        private static PlanResult Combine(ParseResult parsed, PlanResult planned)
        {
            if (parsed.Diagnostics.Count == 0)
            {
                return planned;
            }

            ImmutableArray<DiagnosticInfo> all = ImmutableArray.CreateRange(parsed.Diagnostics).AddRange(planned.Diagnostics);
            return planned with { Diagnostics = new EquatableArray<DiagnosticInfo>(all) };
        }

        private static void Emit(SourceProductionContext context, NetworkPlan plan)
        {
            string hint = (plan.Namespace is null ? string.Empty : plan.Namespace + ".")
                + string.Concat(System.Linq.Enumerable.Select(plan.ContainingTypes, t => t.Name + "."))
                + plan.ClassName + ".g.cs";
            string text;
            if (plan.IsValid)
            {
                text = NetworkEmitter.Emit(plan);
            }
            else if (plan.CanHostCode)
            {
                text = InvalidNetworkEmitter.Emit(plan);
            }
            else
            {
                return;
            }

            context.AddSource(hint, SourceText.From(text, System.Text.Encoding.UTF8));
        }
    }
}
