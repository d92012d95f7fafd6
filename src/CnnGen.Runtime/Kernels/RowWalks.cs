using System.Runtime.CompilerServices;

namespace CnnGen.Kernels
{
    /// <summary>Which rows of a weight matrix a product visits: the <c>t</c>-th row of its walk. Kernels generic over these
    /// struct types are compiled once per walk, the plain row loop and the listed one each without a test inside.</summary>
    internal interface IRowWalk
    {
        /// <summary>The row visited at step <paramref name="t"/>.</summary>
        int Row(int t);

        /// <summary>The first step whose row is at least <paramref name="row"/> (the steps that cover rows [a, b) are
        /// [Position(a), Position(b))).</summary>
        int Position(int row);
    }

    /// <summary>Every row: step <c>t</c> visits row <c>t</c>.</summary>
    internal readonly struct AllRows : IRowWalk
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Row(int t) => t;

        public int Position(int row) => row;
    }

    /// <summary>Listed rows (those whose input is not zero, see <see cref="NonzeroIndices"/>), in increasing order.</summary>
    internal readonly unsafe struct ListedRows : IRowWalk
    {
        private readonly int* _list;
        private readonly int _count;

        public ListedRows(int* list, int count)
        {
            _list = list;
            _count = count;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Row(int t) => _list[t];

        public int Position(int row)
        {
            int lo = 0, hi = _count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_list[mid] < row) lo = mid + 1;
                else hi = mid;
            }

            return lo;
        }
    }
}
