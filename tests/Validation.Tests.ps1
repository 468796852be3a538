# Every cmdlet checks a request before it asks ShouldProcess: -WhatIf answers a request that would
# fail with the error, never with "What if", and changes nothing.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Validation before ShouldProcess' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "validate-$(New-Guid).bin"
        [IO.File]::WriteAllBytes($Path, [byte[]]::new(2 * $Page))
        $script:Mapping = New-MemoryMapping $Path
    }
    AfterEach { Get-MemoryMapping | Remove-MemoryMapping }

    It '<Name> -WhatIf gives the <Id> error' -ForEach @(
        @{ Name = 'Remove-MemoryMapping -Offset 10'; Id = 'InvalidArgument'; Run = { Remove-MemoryMapping $Mapping -Offset 10 -Count 4096 -WhatIf } }
        @{ Name = 'Remove-MemoryMapping past the end'; Id = 'InvalidArgument'; Run = { Remove-MemoryMapping $Mapping -Offset (4 * $Page) -WhatIf } }
        @{ Name = 'Set-MappingProtection -Offset 10'; Id = 'InvalidArgument'; Run = { Set-MappingProtection $Mapping Read -Offset 10 -WhatIf } }
        @{ Name = 'Lock-MemoryMapping past the end'; Id = 'InvalidArgument'; Run = { Lock-MemoryMapping $Mapping -Offset (4 * $Page) -WhatIf } }
        @{ Name = 'Unlock-MemoryMapping past the end'; Id = 'InvalidArgument'; Run = { Unlock-MemoryMapping $Mapping -Offset (4 * $Page) -WhatIf } }
        @{ Name = 'Set-MappingAdvice past the end'; Id = 'InvalidArgument'; Run = { Set-MappingAdvice $Mapping -Advice DontNeed -Offset (4 * $Page) -WhatIf } }
        @{ Name = 'Set-MappedByte past the end'; Id = 'InvalidArgument'; Run = { Set-MappedByte $Mapping -Offset (2 * $Page - 1) -Value 1, 2 -WhatIf } }
        @{ Name = 'Set-MappedByte -Fill past the end'; Id = 'InvalidArgument'; Run = { Set-MappedByte $Mapping -Offset 1 -Fill 1 -Count (2 * $Page) -WhatIf } }
        @{ Name = 'Set-MappedValue past the end'; Id = 'InvalidArgument'; Run = { Set-MappedValue $Mapping -Offset (2 * $Page - 4) -Type Int64 -Value 1 -WhatIf } }
        @{ Name = 'Set-MappedValue a value too big'; Id = 'InvalidArgument'; Run = { Set-MappedValue $Mapping -Offset 0 -Type Byte -Value 300 -WhatIf } }
        @{ Name = 'Set-MappedValue -Expected past the end'; Id = 'InvalidArgument'; Run = { Set-MappedValue $Mapping -Offset (2 * $Page) -Type Int64 -Value 1 -Expected 0 -WhatIf } }
        @{ Name = 'Add-MappedValue past the end'; Id = 'InvalidArgument'; Run = { Add-MappedValue $Mapping -Offset (2 * $Page) -Type Int64 -Value 1 -WhatIf } }
        @{ Name = 'Copy-MappedByte past the end'; Id = 'InvalidArgument'; Run = { Copy-MappedByte $Mapping -Offset 0 -Count 16 -DestinationOffset (2 * $Page - 8) -WhatIf } }
        @{ Name = 'Resize-MemoryMapping past the file'; Id = 'InvalidArgument'; Run = { Resize-MemoryMapping $Mapping -Length (4 * $Page) -WhatIf } }
        @{ Name = 'New-MemoryMapping -Offset 10'; Id = 'InvalidArgument'; Run = { New-MemoryMapping $Path -Offset 10 -WhatIf } }
        @{ Name = 'New-MemoryMapping -Mode 999'; Id = 'InvalidArgument'; Run = { New-MemoryMapping -Name "/memmap-validate-$PID" -Length 4096 -Mode 999 -WhatIf } }) {
        $before = @(Get-MemoryMapping).Count
        $ErrorActionPreference = 'Continue'   # the errors go to the error stream, whatever the runner's preference
        $failure = @(& $Run 2>&1 | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $Mapping.IsOpen | Should -BeTrue
        $Mapping.UnmappedRanges | Should -BeNullOrEmpty
        @(Get-MemoryMapping).Count | Should -Be $before
    }

    It 'still answers a valid request under -WhatIf with "What if" and changes nothing' {
        Remove-MemoryMapping $Mapping -Offset $Page -WhatIf -ErrorVariable failure
        $failure | Should -BeNullOrEmpty
        $Mapping.UnmappedRanges | Should -BeNullOrEmpty
    }
}
