using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen.Training
{
    /// <summary>The result of <see cref="GradientCheck.Run"/>: one row per parameter.</summary>
    public sealed class GradientCheckReport
    {
        /// <summary>The default tolerance of <see cref="Passed(double)"/> on the relative difference.</summary>
        public const double DefaultTolerance = 1e-2;

        /// <summary>Creates a report.</summary>
        /// <param name="parameters">The per-parameter results.</param>
        /// <param name="step">The step <c>h</c> used.</param>
        /// <param name="loss">The loss at the unperturbed parameters.</param>
        public GradientCheckReport(IReadOnlyList<ParameterGradientCheck> parameters, float step, float loss)
        {
            Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
            Step = step;
            Loss = loss;
        }

        /// <summary>The per-parameter results, in the network's parameter order.</summary>
        public IReadOnlyList<ParameterGradientCheck> Parameters { get; }

        /// <summary>The step <c>h</c> of the central difference.</summary>
        public float Step { get; }

        /// <summary>The loss at the unperturbed parameters.</summary>
        public float Loss { get; }

        /// <summary>The largest absolute difference over all parameters.</summary>
        public double MaxAbsoluteDifference
        {
            get
            {
                double max = 0;
                foreach (ParameterGradientCheck p in Parameters) max = Math.Max(max, p.MaxAbsoluteDifference);
                return max;
            }
        }

        /// <summary>The largest relative difference over all parameters.</summary>
        public double MaxRelativeDifference
        {
            get
            {
                double max = 0;
                foreach (ParameterGradientCheck p in Parameters) max = Math.Max(max, p.MaxRelativeDifference);
                return max;
            }
        }

        /// <summary>True when every parameter's largest relative difference is at most <paramref name="tolerance"/>.</summary>
        /// <param name="tolerance">The largest acceptable relative difference (1e-2 suits float32 with the default step and floor).</param>
        /// <returns>Whether the check passed.</returns>
        public bool Passed(double tolerance = DefaultTolerance)
        {
            foreach (ParameterGradientCheck p in Parameters)
            {
                if (!p.Passed(tolerance)) return false;
            }

            return true;
        }

        /// <summary>A text table: parameter, shape, elements checked, max absolute and relative difference, worst element.</summary>
        /// <returns>The table.</returns>
        public override string ToString()
        {
            CultureInfo c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append(c, $"Gradient check (h = {Step:G3}, loss = {Loss:G6})").AppendLine();
            sb.Append(c, $"{"param",-10} {"shape",-14} {"checked",12} {"max |a-n|",12} {"max rel",12} {"worst",8} {"analytic",13} {"numerical",13}").AppendLine();
            foreach (ParameterGradientCheck p in Parameters)
            {
                string count = p.CheckedElements + "/" + p.TotalElements;
                sb.Append(c, $"{p.Name,-10} {p.ShapeText,-14} {count,12} {p.MaxAbsoluteDifference,12:E2} {p.MaxRelativeDifference,12:E2} {p.WorstIndex,8} {p.AnalyticAtWorst,13:E4} {p.NumericalAtWorst,13:E4}").AppendLine();
            }

            sb.Append(c, $"max |a-n| = {MaxAbsoluteDifference:E2}, max rel = {MaxRelativeDifference:E2}");
            return sb.ToString();
        }
    }
}
