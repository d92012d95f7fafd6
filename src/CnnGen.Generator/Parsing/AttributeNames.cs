namespace CnnGen.Generator.Parsing
{
    /// <summary>Metadata names of the attributes in CnnGen.Attributes.</summary>
    internal static class AttributeNames
    {
        public const string Input = "CnnGen.InputAttribute";
        public const string Layer = "CnnGen.LayerAttribute";

        /// <summary>Every layer attribute (a network without <c>[Input]</c> is found through these).</summary>
        public static readonly string[] Layers =
        {
            "CnnGen.ConvAttribute", "CnnGen.MaxPoolAttribute", "CnnGen.AvgPoolAttribute", "CnnGen.GlobalAvgPoolAttribute",
            "CnnGen.ReluAttribute", "CnnGen.SigmoidAttribute", "CnnGen.TanhAttribute", "CnnGen.AffineAttribute",
            "CnnGen.DropoutAttribute", "CnnGen.BatchNormAttribute", "CnnGen.ResidualAttribute", "CnnGen.EndResidualAttribute",
            "CnnGen.SoftmaxWithLossAttribute",
        };
    }
}
