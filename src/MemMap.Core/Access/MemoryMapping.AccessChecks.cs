namespace MemMap;

// The checks of a write, fill, copy or typed write, run without acting: a cmdlet calls them before
// ShouldProcess, so that -WhatIf and -Confirm answer a request that would fail with its error. The
// operations check again under the gate (a resize may change Length meanwhile).
public sealed partial class MemoryMapping
{
    /// <summary>Checks that [offset, offset + count) lies inside <see cref="Length"/> (a write, fill or copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void CheckBytes(long offset, long count)
    {
        using UseScope use = EnterUse();
        CheckRange(offset, count);
    }

    /// <summary>Checks what <see cref="WriteValues(Type, long, IReadOnlyList{object}, bool)"/> would refuse before it writes: the type, each value's conversion to it, and the range.</summary>
    /// <exception cref="ArgumentException">Not a numeric type, or a value that does not fit it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The values do not fit inside the mapping.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void CheckValues(Type type, long offset, IReadOnlyList<object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (object value in values)
        {
            _ = NumericValueTypes.Convert(value, type);
        }
        CheckBytes(offset, (long)values.Count * NumericValueTypes.SizeOf(type));
    }
}
