using System.Collections.Generic;
using System.Text;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Emit
{
    /// <summary>The layer table: each layer, its output shape, parameters and forward FLOPs per image, with totals.</summary>
    internal static class SummaryEmitter
    {
        public static IReadOnlyList<string> Table(NetworkPlan plan)
        {
            var rows = new List<string[]> { new[] { "#", "Layer", "Output", "Params", "FLOPs" } };
            rows.Add(new[] { "0", "Input", plan.Input.ToString(), "0", "0" });
            foreach (LayerPlan layer in plan.Layers)
            {
                rows.Add(new[] { Format.N(layer.Number), layer.Description, layer.Out.ToString(), Format.Grouped(layer.ParameterCount), Format.Grouped(layer.Flops) });
            }

            rows.Add(new[] { string.Empty, "Total", string.Empty, Format.Grouped(plan.ParameterCount), Format.Grouped(plan.Flops) });
            int[] widths = new int[5];
            foreach (string[] row in rows)
            {
                for (int i = 0; i < row.Length; i++)
                {
                    if (row[i].Length > widths[i]) widths[i] = row[i].Length;
                }
            }

            var lines = new List<string>();
            foreach (string[] row in rows)
            {
                var line = new StringBuilder();
                line.Append(row[0].PadLeft(widths[0])).Append("  ");
                line.Append(row[1].PadRight(widths[1])).Append("  ");
                line.Append(row[2].PadRight(widths[2])).Append("  ");
                line.Append(row[3].PadLeft(widths[3])).Append("  ");
                line.Append(row[4].PadLeft(widths[4]));
                lines.Add(line.ToString().TrimEnd());
                if (lines.Count == 1)
                {
                    lines.Add(new string('-', widths[0] + widths[1] + widths[2] + widths[3] + widths[4] + 8));
                }
            }

            lines.Insert(lines.Count - 1, new string('-', lines[1].Length));
            return lines;
        }
    }
}
