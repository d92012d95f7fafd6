using System;
using System.Collections.Generic;

namespace CnnGen.Metrics
{
    /// <summary>
    /// The outcome of <see cref="DetectionMatcher.Match"/>: for every detection, in input order, whether it
    /// is a true positive and which ground truth it took; plus the ground-truth count of every class.
    /// </summary>
    public sealed class DetectionMatches
    {
        private readonly int[] _classes;
        private readonly float[] _confidences;
        private readonly bool[] _isTruePositive;
        private readonly int[] _matched;
        private readonly double[] _bestIou;
        private readonly SortedDictionary<int, int> _groundTruthCounts;
        private readonly SortedSet<int> _allClasses;

        internal DetectionMatches(double iouThreshold, MatchingRule rule, int[] classes, float[] confidences, bool[] isTruePositive, int[] matched, double[] bestIou, SortedDictionary<int, int> groundTruthCounts)
        {
            IouThreshold = iouThreshold;
            Rule = rule;
            _classes = classes;
            _confidences = confidences;
            _isTruePositive = isTruePositive;
            _matched = matched;
            _bestIou = bestIou;
            _groundTruthCounts = groundTruthCounts;
            _allClasses = new SortedSet<int>(groundTruthCounts.Keys);
            foreach (int c in classes) _allClasses.Add(c);
        }

        /// <summary>The IoU a detection needs to match a ground truth.</summary>
        public double IouThreshold { get; }

        /// <summary>The matching rule used.</summary>
        public MatchingRule Rule { get; }

        /// <summary>Number of detections.</summary>
        public int Count => _isTruePositive.Length;

        /// <summary>Whether each detection (input order) is a true positive.</summary>
        public IReadOnlyList<bool> IsTruePositive => _isTruePositive;

        /// <summary>For each detection (input order), the index of the ground truth it matched, or -1 for a false positive.</summary>
        public IReadOnlyList<int> MatchedGroundTruth => _matched;

        /// <summary>
        /// For each detection (input order), its largest IoU with any ground truth of the same image and
        /// class, taken or not; 0 when there is none.
        /// </summary>
        public IReadOnlyList<double> BestIou => _bestIou;

        /// <summary>Every class that has a detection or a ground truth, ascending.</summary>
        public IReadOnlyCollection<int> Classes => _allClasses;

        /// <summary>Number of ground-truth objects of <paramref name="classId"/> (0 when it has none).</summary>
        /// <param name="classId">Class identifier.</param>
        /// <returns>The count.</returns>
        public int GroundTruthCount(int classId) => _groundTruthCounts.TryGetValue(classId, out int n) ? n : 0;

        /// <summary>The precision-recall curve of one class, over all images.</summary>
        /// <param name="classId">Class identifier.</param>
        /// <returns>The curve; empty when the class has no detections.
        /// <see cref="PrCurve.SourceIndices"/> index the detections of this class only, in input order.</returns>
        public PrCurve Curve(int classId)
        {
            var conf = new List<float>();
            var tp = new List<bool>();
            for (int i = 0; i < _classes.Length; i++)
            {
                if (_classes[i] != classId) continue;
                conf.Add(_confidences[i]);
                tp.Add(_isTruePositive[i]);
            }

            return PrCurve.FromMarked(conf.ToArray(), tp.ToArray(), GroundTruthCount(classId));
        }
    }
}
