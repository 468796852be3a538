// What the two halves of MemMap's native helper share: the SIGBUS handler lives in
// memmap_guard.c, the single-value operations and their fault list in memmap_value.c.
#ifndef MEMMAP_GUARD_H
#define MEMMAP_GUARD_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

// When the faulting instruction of `context` (a ucontext_t) is one memmap_value.c listed, moves the
// instruction pointer to its recovery and returns 1; else 0.
int memmap_recover_listed_fault(void *context);

// The guarded copy, with a sentinel probe first (memmap_guard.c).
EXPORT size_t memmap_guarded_access_within(uint8_t *mapped, uint8_t *buffer, size_t count, int op, const uint8_t *sentinel);

// The guarded copy (memmap_guard.c).
EXPORT size_t memmap_guarded_access(uint8_t *mapped, uint8_t *buffer, size_t count, int op);

// One atomic operation inside the sigsetjmp guard, where memmap_value.c has no fault list (memmap_guard.c).
int memmap_guarded_atomic(uint8_t *mapped, int size, int op, uint64_t operand, uint64_t expected, uint64_t *result);

#endif
