// MemMap's guarded copy: memcpy and memset on mapped memory that turn a SIGBUS inside themselves
// into a short count instead of a dead process, as the JVM's Unsafe.copyMemory does for a
// MappedByteBuffer over a truncated file.
//
// Why it is safe:
// - The handler recovers only a SIGBUS that hits this thread while it runs one of the routines
//   below AND whose address lies in the mapped range that routine was given. Every other SIGBUS
//   (another thread's, an address elsewhere, no routine running) goes to the handler installed
//   before ours (the .NET runtime's), with the same arguments and context, so the runtime behaves as
//   if we were not there. SIGSEGV is not touched: MemMap's checks under its gate rule it out.
// - Recovery is a siglongjmp back into the routine's own frame, skipping only memcpy/memset frames,
//   which hold no locks and no state; no managed frame is ever skipped. The signal mask of the
//   interrupted code is restored first, so SIGBUS is not left blocked.
// - The thread's "routine running" record is an initial-exec TLS pointer: reading it in the handler
//   is one load, with no allocation, so it is async-signal-safe.
// - Exact counts: memory is copied in chunks of CHUNK bytes (fast: glibc's memcpy at full speed);
//   after a fault the copy resumes at the start of the faulting chunk page by page, so the count
//   returned is exactly the bytes before the first page that faults, all of them copied. A SIGBUS
//   comes for a whole page (past the end of the file, a file system out of space, a missing huge
//   page), and a faulting vector store or load copies nothing, so nothing of that page is touched.
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "memmap_guard.h"

enum { OP_READ = 0, OP_WRITE = 1, OP_FILL = 2 };

// 64 KiB chunks copy as fast as one memcpy of the whole range (measured on 256 MiB), unlike 4 KiB ones.
#define CHUNK ((size_t)64 << 10)

struct guard
{
    sigjmp_buf jump;
    uintptr_t begin, end;   // the mapped range the running routine was given
    uintptr_t probe_begin, probe_end; // and the sentinel page it probes first, if any (see below)
};

static __thread struct guard *volatile active __attribute__((tls_model("initial-exec")));
static struct sigaction previous;
static size_t page_size;
static int install_error;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int signal, siginfo_t *info, void *context)
{
    if (info->si_code > 0 && memmap_recover_listed_fault(context))
    {
        return; // a fault of a single-value instruction (memmap_value.c): it continues at its recovery
    }
    struct guard *guard = active;
    uintptr_t at = (uintptr_t)info->si_addr;
    if (guard != NULL && ((at >= guard->begin && at < guard->end) || (at >= guard->probe_begin && at < guard->probe_end)))
    {
        active = NULL;
        pthread_sigmask(SIG_SETMASK, &((ucontext_t *)context)->uc_sigmask, NULL);
        siglongjmp(guard->jump, 1);
    }
    if (previous.sa_flags & SA_SIGINFO)
    {
        previous.sa_sigaction(signal, info, context);
    }
    else if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN)
    {
        // As the kernel does for a synchronous signal nobody handles: the default action, which the
        // faulting instruction meets again when this handler returns.
        struct sigaction fallback = { .sa_handler = SIG_DFL };
        sigemptyset(&fallback.sa_mask);
        sigaction(SIGBUS, &fallback, NULL);
    }
    else
    {
        previous.sa_handler(signal);
    }
}

static void install(void)
{
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    struct sigaction current;
    if (sigaction(SIGBUS, NULL, &current) != 0)
    {
        install_error = 1;
        return;
    }
    // Run as the previous handler would have: same flags and mask, so chaining changes nothing.
    struct sigaction ours = current;
    ours.sa_sigaction = on_sigbus;
    ours.sa_flags = (current.sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
    previous = current;
    if (sigaction(SIGBUS, &ours, NULL) != 0)
    {
        install_error = 1;
    }
}

// Installs the SIGBUS handler once per process; 0 when the guarded routines may be used.
EXPORT int memmap_guard_install(void)
{
    pthread_once(&install_once, install);
    return install_error;
}

// ---- The file-end probe (MemoryMapping.Access.cs: "the current end of the file") ----
// A truncation unmaps, from every mapping of the file (private copy-on-write pages included), each
// page wholly past the new end, and a later touch of such a page raises SIGBUS. So a load from a
// page that succeeds proves that the file still reaches into that page, and so holds every byte
// before it: one load of one hot line instead of an fstat (about 2 us here) per access. The probe
// runs inside the access's own guard (one sigsetjmp for both), before any byte is touched.

static size_t guarded_access(uint8_t *mapped, uint8_t *buffer, size_t count, int op, const volatile uint8_t *sentinel);

// memmap_guarded_access (below) after probing the page at `sentinel`: SIZE_MAX, with nothing
// accessed, when that page raised SIGBUS (the file no longer reaches it: the caller checks the
// file's size itself).
EXPORT size_t memmap_guarded_access_within(uint8_t *mapped, uint8_t *buffer, size_t count, int op, const uint8_t *sentinel)
{
    return guarded_access(mapped, buffer, count, op, sentinel);
}

// ---- The guarded copy ----
// Reads (OP_READ: mapped -> buffer), writes (OP_WRITE: buffer -> mapped) or fills (OP_FILL: the
// byte buffer[0] into mapped) count bytes. Returns count, or the bytes before the first page of the
// mapped range that raised SIGBUS, all of them done and none at or after it.
EXPORT size_t memmap_guarded_access(uint8_t *mapped, uint8_t *buffer, size_t count, int op)
{
    return guarded_access(mapped, buffer, count, op, NULL);
}

static size_t guarded_access(uint8_t *mapped, uint8_t *buffer, size_t count, int op, const volatile uint8_t *sentinel)
{
    struct guard guard = { .begin = (uintptr_t)mapped, .end = (uintptr_t)mapped + count };
    if (sentinel != NULL)
    {
        guard.probe_begin = (uintptr_t)sentinel & ~(uintptr_t)(page_size - 1);
        guard.probe_end = guard.probe_begin + page_size;
    }
    volatile size_t done = 0;
    volatile size_t step = CHUNK;
    volatile int probing = sentinel != NULL;
    if (sigsetjmp(guard.jump, 0) != 0)
    {
        if (probing)
        {
            return SIZE_MAX; // the sentinel page is gone; nothing was touched
        }
        if (step == page_size)
        {
            return done; // the page at `done` itself faulted
        }
        step = page_size; // redo the faulting chunk page by page, to know exactly where it stops
    }
    active = &guard;
    __asm__ volatile("" ::: "memory");
    if (probing)
    {
        (void)*sentinel;
        __asm__ volatile("" ::: "memory");
        probing = 0;
        guard.probe_end = 0; // from here on, only the access's own range is recovered
        __asm__ volatile("" ::: "memory");
    }
    while (done < count)
    {
        uint8_t *at = mapped + done;
        size_t n = step - ((uintptr_t)at & (step - 1)); // to the end of the chunk or page, aligned on the mapped side
        if (n > count - done)
        {
            n = count - done;
        }
        switch (op)
        {
            case OP_READ: memcpy(buffer + done, at, n); break;
            case OP_WRITE: memcpy(at, buffer + done, n); break;
            default: memset(at, buffer[0], n); break;
        }
        done += n;
    }
    __asm__ volatile("" ::: "memory");
    active = NULL;
    return done;
}

// Guarded memmove (Copy-MappedByte): count bytes from source to destination, either or both of
// them mapped, overlapping or not. The guard covers the span from the lower range's start to the
// higher range's end: while it is active this thread touches nothing but the two ranges, so a
// SIGBUS in that span on this thread can only be one of theirs.
// Order and exact counts: pieces go ascending, except when the ranges overlap with the destination
// above the source (memmove's rule: overlapping bytes are read before they are overwritten); then
// descending, each piece highest block first (copy_down). After a fault the faulting chunk is redone in pieces that cross no
// page boundary on either side, so the count is exact as above: the bytes moved, all of them, and
// none of the piece that faulted (its first access to the missing page is its first load or store
// there, and memmove loads before it stores) — counted from the start ascending, from the end
// descending. Descending pieces do not go through glibc's memmove, which copies a chunk whose
// halves do not overlap forwards: that would leave bytes below a fault moved but not counted.
// Chunks: as large as possible, since glibc's memmove switches to non-temporal stores
// only for large copies (about 3/4 of the shared cache: 192 MiB here) and a 1 GiB copy in 64 KiB
// chunks ran at 0.6x its speed. Redoing a chunk re-reads bytes a partial chunk may already have
// moved, which is harmless unless the chunk overwrote its own source: so when the ranges overlap,
// a chunk is at most their distance (rounded down to a power of two), and never below a page.
#define MOVE_CHUNK ((size_t)1 << 30)

// memmove of n bytes, the highest 64-byte block first (each block a memmove of a constant size,
// which the compiler inlines as loads then stores): a fault stops it above the bytes not yet touched.
static void copy_down(uint8_t *destination, const uint8_t *source, size_t n)
{
    while (n >= 64)
    {
        n -= 64;
        memmove(destination + n, source + n, 64);
    }
    memmove(destination, source, n);
}

EXPORT size_t memmap_guarded_move(uint8_t *destination, const uint8_t *source, size_t count)
{
    uintptr_t d = (uintptr_t)destination, s = (uintptr_t)source;
    struct guard guard = { .begin = d < s ? d : s, .end = (d > s ? d : s) + count };
    const size_t distance = d > s ? d - s : s - d;
    const int overlap = distance < count;
    const int down = overlap && d > s;
    size_t chunk = MOVE_CHUNK;
    while (overlap && chunk > page_size && chunk > distance)
    {
        chunk >>= 1;
    }
    volatile size_t done = 0;
    volatile size_t step = chunk;
    if (sigsetjmp(guard.jump, 0) != 0)
    {
        if (step == page_size)
        {
            return done;
        }
        step = page_size;
    }
    active = &guard;
    __asm__ volatile("" ::: "memory");
    while (done < count)
    {
        size_t left = count - done, n, other;
        if (!down)
        {
            // From here to the end of the chunk (or page) on the destination side; in page steps,
            // also on the source side.
            n = step - ((d + done) & (step - 1));
            other = step - ((s + done) & (step - 1));
        }
        else
        {
            // From the start of the chunk (or page) holding the last byte still to move, to it.
            n = ((d + left - 1) & (step - 1)) + 1;
            other = ((s + left - 1) & (step - 1)) + 1;
        }
        if (step == page_size && other < n)
        {
            n = other;
        }
        if (n > left)
        {
            n = left;
        }
        size_t at = down ? left - n : done;
        if (down)
        {
            copy_down(destination + at, source + at, n);
        }
        else
        {
            memmove(destination + at, source + at, n);
        }
        done += n;
    }
    __asm__ volatile("" ::: "memory");
    active = NULL;
    return done;
}

// Atomics inside the sigsetjmp guard, for memmap_value.c where it has no fault list (arm64): one
// load, store, fetch-add or compare-and-swap of a naturally aligned 1, 2, 4 or 8-byte value, each
// one instruction (ldar/stlr/ldaddal/casal or an exclusive pair on arm64), sequentially consistent.
// *result receives the value before the operation (the value read, for a load); a compare-and-swap
// succeeded when *result equals expected. Returns 0, or -1 when the page raised SIGBUS (nothing
// was written).
enum { ATOMIC_LOAD = 0, ATOMIC_STORE = 1, ATOMIC_ADD = 2, ATOMIC_CAS = 3 };

#define ATOMIC_CASE(type)                                                                        \
    {                                                                                            \
        type *at = (type *)mapped;                                                               \
        type seen = (type)expected;                                                              \
        switch (op)                                                                              \
        {                                                                                        \
            case ATOMIC_LOAD: *result = __atomic_load_n(at, __ATOMIC_SEQ_CST); break;            \
            case ATOMIC_STORE: *result = __atomic_exchange_n(at, (type)operand, __ATOMIC_SEQ_CST); break; \
            case ATOMIC_ADD: *result = __atomic_fetch_add(at, (type)operand, __ATOMIC_SEQ_CST); break; \
            default:                                                                             \
                __atomic_compare_exchange_n(at, &seen, (type)operand, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
                *result = seen;                                                                  \
                break;                                                                           \
        }                                                                                        \
    }                                                                                            \
    break

int memmap_guarded_atomic(uint8_t *mapped, int size, int op, uint64_t operand, uint64_t expected, uint64_t *result)
{
    struct guard guard = { .begin = (uintptr_t)mapped, .end = (uintptr_t)mapped + (size_t)size };
    if (sigsetjmp(guard.jump, 0) != 0)
    {
        return -1;
    }
    active = &guard;
    __asm__ volatile("" ::: "memory");
    switch (size)
    {
        case 1: ATOMIC_CASE(uint8_t);
        case 2: ATOMIC_CASE(uint16_t);
        case 4: ATOMIC_CASE(uint32_t);
        default: ATOMIC_CASE(uint64_t);
    }
    __asm__ volatile("" ::: "memory");
    active = NULL;
    return 0;
}
