# The module manifest: the one source of the version (the assemblies and the package take it from
# here) and of the exports. Every file it names lies beside it, except RootModule, the build output:
# `dotnet build` copies this file into out/MemMap beside MemMap.dll, the folder that is imported and
# packaged. No HelpInfoURI: the help ships inside the module (en-US), there is no updatable help.
@{
    RootModule           = 'MemMap.dll'
    ModuleVersion        = '0.3.0'
    GUID                 = '3f0b6c1e-8a57-4d0e-9a64-5c2d1e7b9f42'
    Author               = 'The MemMap team'
    CompanyName          = 'MemMap'
    Copyright            = '(c) The MemMap team. MIT License.'
    Description          = 'The Unix memory-mapping system calls (mmap, munmap, msync, mprotect, ...) as pipeline objects, safe from SIGSEGV and SIGBUS.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('MemMap.Format.ps1xml')
    CmdletsToExport      = @(
        'New-MemoryMapping'
        'Get-MemoryMapping'
        'Get-MappedByte'
        'Set-MappedByte'
        'Get-MappedValue'
        'Set-MappedValue'
        'Find-MappedByte'
        'Sync-MemoryMapping'
        'Set-MappingProtection'
        'Remove-MemoryMapping'
        'Resize-MemoryMapping'
        'Get-MappingResidency'
        'Get-ProcessMemoryMap'
        'Set-MappingAdvice'
        'Lock-MemoryMapping'
        'Unlock-MemoryMapping'
        'Copy-MappedByte'
        'Lock-ProcessMemory'
        'Unlock-ProcessMemory'
        'Add-MappedValue'
        'Wait-MappedValue'
        'Use-MappingLock'
        'Get-MappingLock'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @('Set-MappedBytes')
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('mmap', 'munmap', 'msync', 'mprotect', 'memory-mapped-file', 'shared-memory', 'Linux', 'PSEdition_Core')
            # No ProjectUri or LicenseUri until the project has a public address: the license is the
            # LICENSE file in the module folder (and in the package).
            # The CHANGELOG.md section of ModuleVersion, word for word (a test compares them).
            ReleaseNotes = 'Synchronization over shared memory: Add-MappedValue (atomic add), Set-MappedValue -Expected (compare-and-swap), untorn aligned values, Wait-MappedValue (futex), Use-MappingLock (OFD byte-range locks, released when a holder dies), Get-MappingLock (/proc/locks, like lslocks). Copy-MappedByte (memmove between or within mappings), MemoryMapping.AsStream(), Lock-/Unlock-ProcessMemory (mlockall, munlockall). Every access of a file mapping is refused at the file''s current end, to the byte, and Sync-MemoryMapping reports a truncation; no open can block (FIFOs are refused) and Ctrl+C stops every long wait; huge pages are first-class (PageSize, ranges, residency); Set-MappingAdvice -Advice WillNeed loads the whole range and DontNeed says what keeps pages cached; Sync-MemoryMapping warns where msync writes nothing. Set-MappedByte binds a byte[] -Value as it is (64 MiB in about the time of $m.Write); Get-ProcessMemoryMap fits 80 columns, with Rss in the -Detailed view; the runspace recipe imports the manifest; Get-MappedByte -AsHex; Get-MappedValue -NoEnumerate; MemoryMapping.LockedBytes; Find-MappedByte searches past holes and unreadable pages; every cmdlet validates before -WhatIf; -Verbose for Sync-MemoryMapping and Set-MappingAdvice; completion of -Mode and Get-ProcessMemoryMap -Id; hints that say what to do; help compiled with Markdig; typed values and atomics in one native call each, with no sigsetjmp and no atomic instruction in the gate; Use-MappingLock tells two files apart by device and inode exactly, and Get-MappingLock skips leases; a Use-MappingLock waiter on anonymous memory gets the lock at its release (no 20 ms poll), and an exclusive lock on a read-only file system is refused as open.EROFS with what to do; no invented ProjectUri/LicenseUri, LICENSE in the package.'
        }
    }
}
