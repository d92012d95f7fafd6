namespace CnnGen.Training
{
    /// <summary>The gradient check of one parameter: the largest disagreement between the analytic and numerical gradients.</summary>
    public sealed class ParameterGradientCheck
    {
        /// <summary>Creates a result.</summary>
        /// <param name="name">The parameter name.</param>
        /// <param name="shapeText">The parameter shape as text.</param>
        /// <param name="totalElements">Elements in the parameter.</param>
        /// <param name="checkedElements">Elements compared.</param>
        /// <param name="maxAbsoluteDifference">The largest <c>|analytic - numerical|</c>.</param>
        /// <param name="maxRelativeDifference">The largest relative difference.</param>
        /// <param name="worstIndex">The element with the largest relative difference.</param>
        /// <param name="analyticAtWorst">The analytic gradient of that element.</param>
        /// <param name="numericalAtWorst">The numerical gradient of that element.</param>
        public ParameterGradientCheck(string name, string shapeText, int totalElements, int checkedElements, double maxAbsoluteDifference,
            double maxRelativeDifference, int worstIndex, double analyticAtWorst, double numericalAtWorst)
        {
            Name = name;
            ShapeText = shapeText;
            TotalElements = totalElements;
            CheckedElements = checkedElements;
            MaxAbsoluteDifference = maxAbsoluteDifference;
            MaxRelativeDifference = maxRelativeDifference;
            WorstIndex = worstIndex;
            AnalyticAtWorst = analyticAtWorst;
            NumericalAtWorst = numericalAtWorst;
        }

        /// <summary>The parameter name (<c>W1</c>, <c>b1</c>, ...).</summary>
        public string Name { get; }

        /// <summary>The parameter shape as text.</summary>
        public string ShapeText { get; }

        /// <summary>Elements in the parameter.</summary>
        public int TotalElements { get; }

        /// <summary>Elements compared (all, or the sample).</summary>
        public int CheckedElements { get; }

        /// <summary>The largest <c>|analytic - numerical|</c> over the checked elements.</summary>
        public double MaxAbsoluteDifference { get; }

        /// <summary>The largest <c>|a - n| / max(|a|, |n|, floor)</c> over the checked elements.</summary>
        public double MaxRelativeDifference { get; }

        /// <summary>The flat index of the element with the largest relative difference (-1 when nothing was checked).</summary>
        public int WorstIndex { get; }

        /// <summary>The analytic gradient at <see cref="WorstIndex"/>.</summary>
        public double AnalyticAtWorst { get; }

        /// <summary>The numerical gradient at <see cref="WorstIndex"/>.</summary>
        public double NumericalAtWorst { get; }

        /// <summary>True when <see cref="MaxRelativeDifference"/> is at most <paramref name="tolerance"/>.</summary>
        /// <param name="tolerance">The largest acceptable relative difference.</param>
        /// <returns>Whether the parameter passed.</returns>
        public bool Passed(double tolerance) => MaxRelativeDifference <= tolerance;
    }
}
