namespace MemMap.Tests.Reliability;

// The calls on whole pages and on the mapping's shape: residency, advice, locking, protection, sync,
// resize, partial unmap.
public sealed partial class MappingModel
{
    /// <summary>Residency counts pages; the model knows their number and the mapping's Length, not which are in RAM.</summary>
    public static Outcome Residency(ModelMapping m) =>
        m.Closed ? Outcome.Error<MappingClosedException>() : Outcome.Ok($"{m.Pages.Count} pages, {m.Length} bytes, at most {m.Pages.Count(p => p.Mapped)} resident");

    /// <summary>
    /// Advice: only DontNeed changes what the pages show — private anonymous pages read zeros again,
    /// private copies of file pages are dropped (the file shows through again); shared pages keep their data.
    /// </summary>
    public static Outcome Advise(ModelMapping m, ModelOp op)
    {
        var advice = (MappingAdvice)op.Value;
        if (!Enum.IsDefined(advice)) return Outcome.Error<ArgumentException>();
        return PageCall(m, op, page =>
        {
            if (advice == MappingAdvice.DontNeed && m.Kind is MappingKind.PrivateAnonymous or MappingKind.PrivateFile)
            {
                page.Own = m.Kind == MappingKind.PrivateAnonymous ? new byte[Page] : null;
            }
        });
    }

    /// <summary>Lock or unlock: no data changes (the pages modelled here are populated without copy-on-write).</summary>
    public static Outcome Lock(ModelMapping m, ModelOp op) => PageCall(m, op, page => page.Locked = !op.Flag2);

    /// <summary>The checks of advice and locking (MemoryMapping.PageCalls.cs), then <paramref name="apply"/> on each mapped page of the range.</summary>
    private static Outcome PageCall(ModelMapping m, ModelOp op, Action<ModelPage> apply)
    {
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (op.Count == 0) return Outcome.Ok();
        bool whole = op.Offset == 0 && op.Count is null;
        if (!whole && HoleIn(m, start, span) is long hole) return Outcome.Access(MappingAccessFault.Unmapped, hole);
        m.MayHaveSeveralAreas |= !whole;
        foreach (int page in PagesOf(start, span).Where(page => m.Pages[page].Mapped))
        {
            apply(m.Pages[page]);
        }
        return Outcome.Ok();
    }

    /// <summary>
    /// Page calls the model does not follow (the runner skips them): mlock populates a private
    /// writable file mapping with write faults (a private copy of every page), and populating a page
    /// past the end of the file or a PROT_NONE page fails part-way with the area already locked;
    /// DontNeed on a locked page is EINVAL after the pages before it were dropped. And an unprivileged
    /// user's RLIMIT_MEMLOCK may refuse a lock: only root locks here.
    /// </summary>
    public bool PageCallIsUnmodelable(ModelMapping m, ModelOp op)
    {
        if (m.Closed || PageSpan(m, op.Offset, op.Count) is not var (start, span) || op.Count == 0) return false;
        var pages = PagesOf(start, span).Select(page => m.Pages[page]).ToList();
        long end = RoundUp(File.Length) - m.FileOffset;
        return op.Kind == ModelOpKind.Lock
            ? !op.Flag2 && (Environment.UserName != "root" || m.Kind == MappingKind.PrivateFile
                || pages.Any(page => page.Protection == MemoryProtection.None)
                || (m.IsFile && start + span > end))
            : (MappingAdvice)op.Value == MappingAdvice.DontNeed && pages.Any(page => page.Locked);
    }

    public static Outcome Protect(ModelMapping m, ModelOp op)
    {
        if (!IsProtection(op.Protection) || op.Offset % Page != 0) return Outcome.Error<ArgumentException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        bool whole = op.Offset == 0 && op.Count is null;
        if (!whole && HoleIn(m, start, span) is long hole) return Outcome.Access(MappingAccessFault.Unmapped, hole);
        if (m.Kind is MappingKind.SharedFile or MappingKind.SharedMemory && !m.FdWritable && op.Protection.HasFlag(MemoryProtection.Write)
            && PagesOf(start, span).Any(page => m.Pages[page].Mapped))
        {
            return Outcome.SystemCall("mprotect", "EACCES");
        }
        m.MayHaveSeveralAreas |= !whole;
        foreach (int page in PagesOf(start, span))
        {
            if (m.Pages[page].Mapped) m.Pages[page].Protection = op.Protection;
        }
        return Outcome.Ok();
    }

    public Outcome Sync(ModelMapping m, ModelOp op)
    {
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        bool whole = op.Offset == 0 && op.Count is null;
        if (!whole && HoleIn(m, start, span) is long hole) return Outcome.Access(MappingAccessFault.Unmapped, hole);
        // MS_INVALIDATE on locked pages is EBUSY (msync(2)).
        if (op.Flag2 && PagesOf(start, span).Any(page => m.Pages[page].Mapped && m.Pages[page].Locked)) return Outcome.SystemCall("msync", "EBUSY");
        long end = op.Count is { } count ? op.Offset + count : m.Length, limit = CopyLimit(m);
        return m.Kind is MappingKind.SharedFile or MappingKind.SharedMemory && end > op.Offset && end > limit
            ? Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(op.Offset, limit))
            : Outcome.Ok();
    }

    /// <summary>
    /// Resize. Growing the pages may legitimately fail (no room after the mapping, and it cannot
    /// move: several kernel areas, or not allowed to): <paramref name="real"/> decides which of the
    /// allowed outcomes happened, and the model follows it.
    /// </summary>
    public Outcome Resize(ModelMapping m, ModelOp op, Outcome real)
    {
        long newLength = op.Offset;
        if (newLength <= 0) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (m.Pages.Any(page => !page.Mapped)) return Outcome.Error<MappingOperationException>();
        int newPages = (int)(RoundUp(newLength) / Page);
        if (newPages > m.Pages.Count && m.Kind == MappingKind.SharedAnonymous) return Outcome.Error<ArgumentException>();
        if (m.IsFile && newLength > m.Length && m.FileOffset + newLength > File.Length)
        {
            if (!op.Flag2) return Outcome.Error<ArgumentException>();
            if (!m.FdWritable) return Outcome.SystemCall("ftruncate", "EINVAL");
            ResizeFile(m.FileOffset + newLength);
        }
        if (newPages > m.Pages.Count)
        {
            // Only where the kernel may refuse: no room in place without -NoMove's permission to move, or
            // no room and several kernel areas (a partial protect, lock or advice split it). A plain
            // growth of a movable mapping of one area must succeed.
            bool allowedFailure = (m.MayHaveSeveralAreas && real.Text == Outcome.Error<MappingOperationException>().Text)
                || (!op.Flag && real.Text == Outcome.SystemCall("mremap", "ENOMEM").Text);
            if (allowedFailure) return real;
            MemoryProtection last = m.Pages[^1].Protection;
            bool locked = m.Pages[^1].Locked;
            while (m.Pages.Count < newPages)
            {
                m.Pages.Add(new ModelPage(last, m.IsFile ? null : new byte[Page]) { Locked = locked });
            }
        }
        m.Pages.RemoveRange(newPages, m.Pages.Count - newPages);
        m.Length = newLength;
        return Outcome.Ok();
    }

    public static Outcome Unmap(ModelMapping m, ModelOp op)
    {
        if (op.Offset % Page != 0) return Outcome.Error<ArgumentException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        foreach (int page in PagesOf(start, span))
        {
            m.Pages[page] = new ModelPage(MemoryProtection.None, null) { Mapped = false };
        }
        bool nothingLeft = m.Pages.All(page => !page.Mapped);
        m.Closed |= nothingLeft;
        return Outcome.Ok(nothingLeft.ToString());
    }
}
