@{
    RootModule           = 'MemMap.dll'
    ModuleVersion        = '0.1.0'
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
    )
    FunctionsToExport    = @()
    AliasesToExport      = @('Set-MappedBytes')
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('mmap', 'memory-mapped-file', 'shared-memory', 'Linux', 'PSEdition_Core')
            ProjectUri = 'https://github.com/memmap/MemMap'
        }
    }
}
