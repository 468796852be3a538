namespace MemMap;

/// <summary>
/// A seekable <see cref="Stream"/> over a range of a mapping (<see cref="MemoryMapping.AsStream(long, long)"/>).
/// Every read and write is one call of the mapping's own checked Read or Write, so it keeps every
/// rule of the safety contract; the stream adds only a position. Like UnmanagedMemoryStream (the
/// base of .NET's MemoryMappedViewStream), the position may be set past the end, where reads return
/// nothing and writes are refused: the stream never grows. MemMap's errors become the exceptions
/// Stream users expect: a refused access an <see cref="IOException"/> (a removed mapping an
/// <see cref="ObjectDisposedException"/>) whose inner exception is MemMap's typed error.
/// </summary>
internal sealed class MappingStream(MemoryMapping mapping, long start, long length, bool writable) : Stream
{
    private long position;
    private bool disposed;

    public override bool CanRead => !disposed && mapping.IsOpen;

    public override bool CanSeek => !disposed && mapping.IsOpen;

    public override bool CanWrite => writable && !disposed && mapping.IsOpen;

    public override long Length
    {
        get
        {
            ThrowIfUnusable();
            return length;
        }
    }

    public override long Position
    {
        get
        {
            ThrowIfUnusable();
            return position;
        }
        set
        {
            ThrowIfUnusable();
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        ThrowIfUnusable();
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentException($"{origin} is not a SeekOrigin.", nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException($"Cannot seek to {target}: before the start of the stream over mapping {mapping.Id}.");
        }
        return position = target;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ThrowIfUnusable();
        int count = (int)Math.Clamp(length - position, 0, buffer.Length);
        if (count > 0)
        {
            try
            {
                mapping.Read(start + position, buffer[..count]);
            }
            catch (Exception error) when (error is MemoryMappingException or ArgumentOutOfRangeException)
            {
                throw AsStreamError(error);
            }
            position += count;
        }
        return count;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfUnusable();
        if (!writable)
        {
            throw new NotSupportedException($"The stream over mapping {mapping.Id} ({mapping.Describe()}) is read-only: its pages were not writable when it was made.");
        }
        if (buffer.Length > length - position)
        {
            throw new NotSupportedException($"Cannot write {buffer.Length} bytes at position {position} of the stream over mapping {mapping.Id}: it holds {length} bytes and cannot grow. Nothing was written.");
        }
        try
        {
            mapping.Write(start + position, buffer);
        }
        catch (Exception error) when (error is MemoryMappingException or ArgumentOutOfRangeException)
        {
            throw AsStreamError(error);
        }
        position += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Nothing is buffered: writes are in the mapping already. Durability is the mapping's Sync.</summary>
    public override void Flush() => ThrowIfUnusable();

    public override void SetLength(long value) =>
        throw new NotSupportedException($"The stream over mapping {mapping.Id} cannot change its length: resize the mapping (Resize-MemoryMapping) and make a new stream.");

    protected override void Dispose(bool disposing)
    {
        disposed = true; // the mapping stays: it belongs to whoever made it
        base.Dispose(disposing);
    }

    /// <summary>
    /// A MemMap error as the exception Stream users expect, with the error inside: a removed mapping
    /// is a disposed stream; anything else refused (a truncated page, a protection change, a mapping
    /// shrunk below the stream's end by a resize) an IOException.
    /// </summary>
    private static Exception AsStreamError(Exception error) => error is MappingClosedException
        ? new ObjectDisposedException(error.Message, error)
        : new IOException(error.Message, error);

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!mapping.IsOpen)
        {
            throw AsStreamError(new MappingClosedException(mapping.Id, mapping.Describe()));
        }
    }
}
