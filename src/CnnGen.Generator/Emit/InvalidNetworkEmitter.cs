using CnnGen.Generator.Model;

namespace CnnGen.Generator.Emit
{
    /// <summary>
    /// For a network with build errors: the public members with bodies that throw, so the user sees the one
    /// CNN diagnostic that matters rather than a cascade of "member not found" errors.
    /// </summary>
    internal static class InvalidNetworkEmitter
    {
        public static string Emit(NetworkPlan plan)
        {
            var w = new CodeWriter();
            NetworkEmitter.FileHeader(w, plan);
            int depth = NetworkEmitter.OpenContainers(w, plan);
            string fail = $"throw new global::System.InvalidOperationException(\"{plan.ClassName} has CnnGen build errors (CNN diagnostics); fix its attributes.\")";
            w.Line("/// <summary>Placeholder: this network's declaration has CnnGen build errors.</summary>");
            w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{NetworkEmitter.ToolName}\", \"{NetworkEmitter.ToolVersion}\")]");
            using (w.Block($"{plan.Accessibility} partial class {plan.ClassName}"))
            {
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line("public const int InputSize = 0;");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line("public const int OutputSize = 0;");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line("public const long ParameterCount = 0;");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line("public const string Summary = \"\";");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public global::System.Collections.Generic.IReadOnlyList<global::CnnGen.Parameter> Parameters => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public bool IsTraining {{ get => {fail}; set => {fail}; }}");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public global::System.ReadOnlySpan<float> Forward(global::System.ReadOnlySpan<float> input) => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public float Loss(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels) => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public void Backward() => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public float TrainStep(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, global::CnnGen.Training.IOptimizer optimizer) => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public global::CnnGen.Prediction Predict(global::System.ReadOnlySpan<float> image) => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public int Predict(global::System.ReadOnlySpan<float> image, global::System.Span<float> probabilities) => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public void Predict(global::System.ReadOnlySpan<float> images, global::System.Span<int> classes) => {fail};");
                w.Line("/// <summary>Unavailable: the declaration has errors.</summary>");
                w.Line($"public double Accuracy(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels, int batchSize = 100) => {fail};");
            }

            NetworkEmitter.CloseContainers(w, depth);
            return w.ToString();
        }
    }
}
