BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Get-MappedByte and Set-MappedBytes' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (2 * $Page)
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'reads bytes as one byte[] that Format-Hex takes whole' {
        $m = New-MemoryMapping $Path
        $bytes = Get-MappedByte $m -Offset 510 -Count 2
        , $bytes | Should -BeOfType [byte[]]
        $bytes | Should -Be $Content[510..511]
        (Get-MappedByte $m -Offset 510 -Count 2 | Format-Hex | Out-String) | Should -Match ('{0:X2} {1:X2}' -f $Content[510], $Content[511])
    }

    It 'reads up to the mapping length by default' {
        $m = New-MemoryMapping $Path
        (Get-MappedByte $m -Offset 100).Count | Should -Be (2 * $Page - 100)
    }

    It 'writes through a shared mapping to the file' {
        $m = New-MemoryMapping $Path
        Set-MappedBytes $m -Offset 10 -Value 0xDE, 0xAD, 0xBE, 0xEF
        [IO.File]::ReadAllBytes($Path)[10..13] | Should -Be 0xDE, 0xAD, 0xBE, 0xEF
    }

    It 'writes and reads text in an encoding' {
        $m = New-MemoryMapping $Path
        Set-MappedBytes $m -Offset 0 -String 'héllo' -Encoding utf8
        (Get-MappedByte $m -Count 6 -AsString) | Should -Be 'héllo'
        Set-MappedBytes $m -Offset 100 -String 'hi' -Encoding unicode
        (Get-MappedByte $m -Offset 100 -Count 4) | Should -Be 104, 0, 105, 0
    }

    It 'runs the whole pipeline of the contract: new, write, sync, remove' {
        New-MemoryMapping $Path | Set-MappedBytes -Offset 0 -String 'hi' -PassThru | Sync-MemoryMapping -PassThru | Remove-MemoryMapping
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Path), 0, 2) | Should -Be 'hi'
        Get-MemoryMapping | Should -BeNullOrEmpty
    }

    It 'writes nothing under -WhatIf' {
        $m = New-MemoryMapping $Path
        Set-MappedBytes $m -Offset 0 -String 'nope' -WhatIf
        [IO.File]::ReadAllBytes($Path) | Should -Be $Content
    }

    It 'keeps private writes out of the file and away from a second process' {
        $m = New-MemoryMapping $Path -Private
        Set-MappedBytes $m -Offset 0 -String 'private'
        (Get-MappedByte $m -Count 7 -AsString) | Should -Be 'private'
        [IO.File]::ReadAllBytes($Path)[0..6] | Should -Be $Content[0..6]
        $seen = Invoke-ChildPwsh { param($p) Get-MappedByte (New-MemoryMapping $p -Protection Read) -Count 7 } -ArgumentList $Path
        $seen | Should -Be $Content[0..6]
    }

    It 'shows shared writes to a second process' {
        $m = New-MemoryMapping $Path
        Set-MappedBytes $m -Offset 0 -String 'shared'
        Invoke-ChildPwsh { param($p) Get-MappedByte (New-MemoryMapping $p -Protection Read) -Count 6 -AsString } -ArgumentList $Path |
            Should -Be 'shared'
    }

    It 'never hands out the tail of the last page past Length, and the file keeps its size' {
        $small = Join-Path $TestDrive 'small.bin'
        [IO.File]::WriteAllBytes($small, [byte[]](1..100))
        $m = New-MemoryMapping $small
        $m.MappedLength | Should -Be $Page
        { Get-MappedByte $m -Offset 100 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
        { Set-MappedBytes $m -Offset 200 -String 'tail' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
        Sync-MemoryMapping $m
        (Get-Item $small).Length | Should -Be 100
    }

    Context 'refuses bad access with a typed error and the session lives on' {
        It 'refuses reads past the end of the mapping' {
            $m = New-MemoryMapping $Path
            { Get-MappedByte $m -Offset (2 * $Page) -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.GetMappedByteCommand'
            { Set-MappedBytes $m -Offset (2 * $Page - 1) -Value 1, 2 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappedBytesCommand'
        }

        It 'refuses a write to a read-only mapping and changes nothing' {
            $m = New-MemoryMapping $Path -Protection Read
            Set-MappedBytes $m -Offset 0 -Value 1 -ErrorAction SilentlyContinue -ErrorVariable failure
            $failure[0].FullyQualifiedErrorId | Should -Be 'Access.Protection,MemMap.Commands.SetMappedBytesCommand'
            $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failure[0].TargetObject | Should -Be $m
            [IO.File]::ReadAllBytes($Path) | Should -Be $Content
        }

        It 'refuses reads of pages a truncating process took away, and still reads the rest' {
            $m = New-MemoryMapping $Path
            truncate --size $Page $Path
            { Get-MappedByte $m -Offset $Page -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.BeyondEndOfFile,MemMap.Commands.GetMappedByteCommand'
            (Get-MappedByte $m -Count 4) | Should -Be $Content[0..3]
        }
    }
}
