namespace MemMap;

/// <summary>How <see cref="MemoryMapping.Sync"/> waits for the data.</summary>
public enum SyncMode
{
    /// <summary>MS_SYNC: return once the data is on the file.</summary>
    Synchronous,

    /// <summary>MS_ASYNC: schedule the write-back and return at once.</summary>
    Asynchronous,
}
