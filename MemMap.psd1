# The module manifest: the one source of the version (the assemblies and the package take it from
# here) and of the exports. Every file it names lies beside it, except RootModule, the build output:
# `dotnet build` copies this file into out/MemMap beside MemMap.dll, the folder that is imported and
# packaged. No HelpInfoURI: the help ships inside the module (en-US), there is no updatable help.
@{
    RootModule           = 'MemMap.dll'
    ModuleVersion        = '0.2.0'
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
            ReleaseNotes = 'Resize-MemoryMapping (mremap), partial Remove-MemoryMapping -Offset/-Count, Set-MappingAdvice (madvise, posix_fadvise), Lock-/Unlock-MemoryMapping (mlock2), Get-MappingResidency (mincore, cachestat), Get-ProcessMemoryMap (/proc/PID/maps, smaps), POSIX shared memory (New-MemoryMapping -Name, Remove-MemoryMapping -Unlink), -HugePages, -Address, character devices, Set-MappedByte (alias Set-MappedBytes) with -Fill, Get-/Set-MappedValue, Find-MappedByte. Every access is bounded by Length. MemMap refuses before the process runs out of memory areas, descriptors or address space. Remove-Module unmaps only its runspace''s mappings; New-MemoryMapping supports -WhatIf. Direct copies for anonymous memory and pread for shared file reads.'
        }
    }
}
