BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Set-MappingProtection' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (4 * $Page)
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'moves from None to Read to ReadWrite, as /proc/self/maps shows, allowing access accordingly' {
        $m = New-MemoryMapping $Path

        Set-MappingProtection $m None
        Get-MapsPermission $m | Should -Be '---s'
        { Get-MappedByte $m -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.Protection,MemMap.Commands.GetMappedByteCommand'

        Set-MappingProtection $m Read
        Get-MapsPermission $m | Should -Be 'r--s'
        (Get-MappedByte $m -Count 1) | Should -Be $Content[0]
        { Set-MappedByte $m -Value 1 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.Protection,MemMap.Commands.SetMappedByteCommand'

        Set-MappingProtection $m Read, Write
        Get-MapsPermission $m | Should -Be 'rw-s'
        Set-MappedByte $m -Value 7
        [IO.File]::ReadAllBytes($Path)[0] | Should -Be 7
    }

    It 'changes only the pages of -Offset and -Length' {
        $m = New-MemoryMapping $Path
        Set-MappingProtection $m Read -Offset $Page -Length $Page -PassThru | Should -Be $m
        Get-MapsPermission $m 0 | Should -Be 'rw-s'
        Get-MapsPermission $m $Page | Should -Be 'r--s'
        Get-MapsPermission $m (2 * $Page) | Should -Be 'rw-s'
        ($m | Format-Table | Out-String) | Should -Match 'Mixed'
    }

    It 'changes nothing under -WhatIf' {
        $m = New-MemoryMapping $Path
        Set-MappingProtection $m None -WhatIf
        Get-MapsPermission $m | Should -Be 'rw-s'
    }

    It 'refuses an unaligned offset' {
        $m = New-MemoryMapping $Path
        { Set-MappingProtection $m Read -Offset 100 -ErrorAction Stop } | Should -Throw -ExpectedMessage '*multiple of the page size*'
    }

    It 'refuses to make a read-only shared file mapping writable, naming EACCES' {
        $m = New-MemoryMapping $Path -Protection Read
        Set-MappingProtection $m ReadWrite -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'mprotect.EACCES,MemMap.Commands.SetMappingProtectionCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        Get-MapsPermission $m | Should -Be 'r--s'
    }
}
