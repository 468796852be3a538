// One value in mapped memory: a load, store, fetch-add or compare-and-swap of a naturally aligned
// 1, 2, 4 or 8-byte integer, with the file-end probe before it and the waiter counts after it, in
// one call (GuardedCopy.Value). Each is one instruction, sequentially consistent: a waiter that
// counts itself and then reads the value, and a writer that writes and then reads the count,
// cannot miss each other (WaiterTable.cs).
//
// Why not the guarded copy's sigsetjmp (memmap_guard.c): a small access is mostly guard. Zeroing a
// sigjmp_buf and saving the registers cost about 30 ns a call here against 3 ns for the instruction,
// and a typed read or an atomic add is exactly one instruction. So on x86-64 each instruction that
// may fault is listed in the section memmap_fixups with the place to continue at when it raises
// SIGBUS, as the kernel's copy_from_user does with its exception table: the handler
// (memmap_guard.c) looks the faulting instruction pointer up and moves it there. Nothing is saved
// beforehand, and the signal returns normally, so the signal mask is restored by the kernel. Only
// these instructions are listed, each touches only the address it was given, and the handler
// redirects only a SIGBUS the kernel raised for a fault (not one sent by kill): a fault anywhere
// else still goes to the .NET runtime. Elsewhere (arm64), the same operations run inside the
// sigsetjmp guard.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "memmap_guard.h"

enum { ATOMIC_LOAD = 0, ATOMIC_STORE = 1, ATOMIC_ADD = 2, ATOMIC_CAS = 3 };

// The layout GuardedCopy.ValueOperation shares: keep the two the same.
struct value_operation
{
    uint8_t *at;                    // the value
    const uint8_t *sentinel;        // one byte to load first (the file-end probe), or NULL
    const uint32_t *waiters[2];     // waiter counts to read after a write, or NULL
    uint64_t operand;               // what to store or add, or the new value of a compare-and-swap
    uint64_t expected;              // a compare-and-swap's expected value
    uint64_t before;                // out: the value before the operation (the value read, for a load)
    int32_t size;                   // 1, 2, 4 or 8
    int32_t op;                     // ATOMIC_*
};

enum { VALUE_FAULTED = -1, SENTINEL_GONE = -2 };

#if defined(__x86_64__) && !defined(MEMMAP_NO_FIXUPS)

// Lists the instruction at local label 1 with its recovery label (both as offsets from the entry,
// so the table needs no relocation).
#define FIXUP(recovery) \
    "\n.pushsection memmap_fixups,\"a\"\n.balign 4\n.long 1b - .\n.long %l[" #recovery "] - .\n.popsection\n"

struct fixup
{
    int32_t instruction, recovery;
};

extern const struct fixup __start_memmap_fixups[] __attribute__((visibility("hidden")));
extern const struct fixup __stop_memmap_fixups[] __attribute__((visibility("hidden")));

int memmap_recover_listed_fault(void *context)
{
    greg_t *instruction = &((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
    for (const struct fixup *entry = __start_memmap_fixups; entry < __stop_memmap_fixups; entry++)
    {
        if ((uintptr_t)&entry->instruction + (intptr_t)entry->instruction == (uintptr_t)*instruction)
        {
            *instruction = (greg_t)((uintptr_t)&entry->recovery + (intptr_t)entry->recovery);
            return 1;
        }
    }
    return 0;
}

static inline int probe(const uint8_t *at)
{
    __asm__ goto("1: cmpb $0, %[at]" FIXUP(fault) : : [at] "m"(*(const volatile uint8_t *)at) : "memory", "cc" : fault);
    return 0;
fault:
    return -1;
}

// The four instructions on a value of `type`, each in its own function, with its own recovery
// label, kept out of line: with all four inlined into the switches below, GCC 12.2 took a 64-bit
// compare-and-swap's result from the expected value instead of what cmpxchg left in rax (checked:
// ValueOperationTests and the four-process claim in SynchronizationTests then fail). A plain aligned load is a sequentially consistent load on x86-64;
// xchg, lock xadd and lock cmpxchg are full barriers. Each returns 0 and sets *before, or -1.
#define VALUE_INSTRUCTIONS(type, bits)                                                                    \
    static __attribute__((noinline)) int load##bits(uint8_t *address, uint64_t *before)                                      \
    {                                                                                                     \
        type v;                                                                                           \
        __asm__ goto("1: mov %[at], %[v]" FIXUP(fault) : [v] "=q"(v) : [at] "m"(*(volatile type *)address) : "memory" : fault); \
        *before = v;                                                                                      \
        return 0;                                                                                         \
    fault:                                                                                                \
        return -1;                                                                                        \
    }                                                                                                     \
    static __attribute__((noinline)) int store##bits(uint8_t *address, uint64_t operand, uint64_t *before)                  \
    {                                                                                                     \
        type v = (type)operand;                                                                           \
        __asm__ goto("1: xchg %[v], %[at]" FIXUP(fault) : [v] "+q"(v), [at] "+m"(*(volatile type *)address) : : "memory" : fault); \
        *before = v;                                                                                      \
        return 0;                                                                                         \
    fault:                                                                                                \
        return -1;                                                                                        \
    }                                                                                                     \
    static __attribute__((noinline)) int add##bits(uint8_t *address, uint64_t operand, uint64_t *before)                    \
    {                                                                                                     \
        type v = (type)operand;                                                                           \
        __asm__ goto("1: lock xadd %[v], %[at]" FIXUP(fault) : [v] "+q"(v), [at] "+m"(*(volatile type *)address) : : "memory", "cc" : fault); \
        *before = v;                                                                                      \
        return 0;                                                                                         \
    fault:                                                                                                \
        return -1;                                                                                        \
    }                                                                                                     \
    static __attribute__((noinline)) int cas##bits(uint8_t *address, uint64_t operand, uint64_t expected, uint64_t *before) \
    {                                                                                                     \
        type seen = (type)expected;                                                                       \
        __asm__ goto("1: lock cmpxchg %[v], %[at]" FIXUP(fault) : "+a"(seen), [at] "+m"(*(volatile type *)address) : [v] "q"((type)operand) : "memory", "cc" : fault); \
        *before = seen;                                                                                   \
        return 0;                                                                                         \
    fault:                                                                                                \
        return -1;                                                                                        \
    }                                                                                                     \
    static inline int value##bits(uint8_t *address, int op, uint64_t operand, uint64_t expected, uint64_t *before) \
    {                                                                                                     \
        switch (op)                                                                                       \
        {                                                                                                 \
            case ATOMIC_LOAD: return load##bits(address, before);                                         \
            case ATOMIC_STORE: return store##bits(address, operand, before);                              \
            case ATOMIC_ADD: return add##bits(address, operand, before);                                  \
            default: return cas##bits(address, operand, expected, before);                                \
        }                                                                                                 \
    }

VALUE_INSTRUCTIONS(uint8_t, 8)
VALUE_INSTRUCTIONS(uint16_t, 16)
VALUE_INSTRUCTIONS(uint32_t, 32)
VALUE_INSTRUCTIONS(uint64_t, 64)

// A small copy of any alignment: one listed 8-byte load or store when it is 8 bytes (an x86-64
// access that faults has no effect, even one split across two pages), else byte by byte. -1 when a
// page faulted: bytes before it may be done, and the caller redoes the copy with the guarded copy,
// which counts them exactly.
static __attribute__((noinline)) int small_read(const uint8_t *mapped, uint8_t *buffer, size_t count)
{
    if (count == 8)
    {
        uint64_t v;
        __asm__ goto("1: mov %[at], %[v]" FIXUP(fault) : [v] "=r"(v) : [at] "m"(*(const volatile uint64_t *)mapped) : "memory" : fault);
        memcpy(buffer, &v, 8);
        return 0;
    }
    for (size_t i = 0; i < count; i++)
    {
        uint8_t v;
        __asm__ goto("1: movb %[at], %[v]" FIXUP(fault) : [v] "=q"(v) : [at] "m"(*(const volatile uint8_t *)(mapped + i)) : "memory" : fault);
        buffer[i] = v;
    }
    return 0;
fault:
    return -1;
}

static __attribute__((noinline)) int small_write(uint8_t *mapped, const uint8_t *buffer, size_t count)
{
    if (count == 8)
    {
        uint64_t v;
        memcpy(&v, buffer, 8);
        __asm__ goto("1: mov %[v], %[at]" FIXUP(fault) : [at] "=m"(*(volatile uint64_t *)mapped) : [v] "r"(v) : "memory" : fault);
        return 0;
    }
    for (size_t i = 0; i < count; i++)
    {
        __asm__ goto("1: movb %[v], %[at]" FIXUP(fault) : [at] "=m"(*(volatile uint8_t *)(mapped + i)) : [v] "q"(buffer[i]) : "memory" : fault);
    }
    return 0;
fault:
    return -1;
}

static inline int value_at(uint8_t *at, int size, int op, uint64_t operand, uint64_t expected, uint64_t *before)
{
    switch (size)
    {
        case 1: return value8(at, op, operand, expected, before);
        case 2: return value16(at, op, operand, expected, before);
        case 4: return value32(at, op, operand, expected, before);
        default: return value64(at, op, operand, expected, before);
    }
}

#else

int memmap_recover_listed_fault(void *context)
{
    (void)context;
    return 0;
}

static inline int probe(const uint8_t *at)
{
    return memmap_guarded_access_within((uint8_t *)at, NULL, 0, 0, at) == SIZE_MAX ? -1 : 0;
}

static inline int value_at(uint8_t *at, int size, int op, uint64_t operand, uint64_t expected, uint64_t *before)
{
    return memmap_guarded_atomic(at, size, op, operand, expected, before);
}

static inline int small_read(const uint8_t *mapped, uint8_t *buffer, size_t count)
{
    return memmap_guarded_access((uint8_t *)mapped, buffer, count, 0) == count ? 0 : -1;
}

static inline int small_write(uint8_t *mapped, const uint8_t *buffer, size_t count)
{
    return memmap_guarded_access(mapped, (uint8_t *)buffer, count, 1) == count ? 0 : -1;
}

#endif

// Runs *operation. Returns VALUE_FAULTED when the value's page raised SIGBUS (nothing written),
// SENTINEL_GONE when the sentinel's page did (nothing touched: the caller asks fstat), else, after
// a write, a bit mask of the waiter counts that were not 0 or could not be read (bit i for
// waiters[i]); 0 after a load.
EXPORT int memmap_guarded_value(struct value_operation *operation)
{
    if (operation->sentinel != NULL && probe(operation->sentinel) != 0)
    {
        return SENTINEL_GONE;
    }
    uint64_t before = 0;
    if (value_at(operation->at, operation->size, operation->op, operation->operand, operation->expected, &before) != 0)
    {
        return VALUE_FAULTED;
    }
    operation->before = before;
    int waiting = 0;
    if (operation->op != ATOMIC_LOAD)
    {
        for (int i = 0; i < 2; i++)
        {
            uint64_t count = 0;
            if (operation->waiters[i] != NULL && (value_at((uint8_t *)operation->waiters[i], 4, ATOMIC_LOAD, 0, 0, &count) != 0 || count != 0))
            {
                waiting |= 1 << i;
            }
        }
    }
    return waiting;
}

// A read (write = 0) or write of count <= 8 bytes of any alignment, after the sentinel probe
// (NULL: none): the typed value that is not aligned, or a Read of a few bytes. Returns 0,
// SENTINEL_GONE (nothing touched), or VALUE_FAULTED (some bytes may be done: redo it with the
// guarded copy for the exact count).
EXPORT int memmap_guarded_small_copy(uint8_t *mapped, uint8_t *buffer, size_t count, int write, const uint8_t *sentinel)
{
    if (sentinel != NULL && probe(sentinel) != 0)
    {
        return SENTINEL_GONE;
    }
    if ((write ? small_write(mapped, buffer, count) : small_read(mapped, buffer, count)) != 0)
    {
        return VALUE_FAULTED;
    }
    return 0;
}
