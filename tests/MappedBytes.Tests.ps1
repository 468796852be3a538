BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Get-MappedByte and Set-MappedByte' {
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
        Set-MappedByte $m -Offset 10 -Value 0xDE, 0xAD, 0xBE, 0xEF
        [IO.File]::ReadAllBytes($Path)[10..13] | Should -Be 0xDE, 0xAD, 0xBE, 0xEF
    }

    It 'writes and reads text in an encoding' {
        $m = New-MemoryMapping $Path
        Set-MappedByte $m -Offset 0 -String 'héllo' -Encoding utf8
        (Get-MappedByte $m -Count 6 -AsString) | Should -Be 'héllo'
        Set-MappedByte $m -Offset 100 -String 'hi' -Encoding unicode
        (Get-MappedByte $m -Offset 100 -Count 4) | Should -Be 104, 0, 105, 0
    }

    It 'runs the whole pipeline of the contract: new, write, sync, remove' {
        New-MemoryMapping $Path | Set-MappedByte -Offset 0 -String 'hi' -PassThru | Sync-MemoryMapping -PassThru | Remove-MemoryMapping
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Path), 0, 2) | Should -Be 'hi'
        Get-MemoryMapping | Should -BeNullOrEmpty
    }

    It 'writes nothing under -WhatIf' {
        $m = New-MemoryMapping $Path
        Set-MappedByte $m -Offset 0 -String 'nope' -WhatIf
        [IO.File]::ReadAllBytes($Path) | Should -Be $Content
    }

    It 'keeps private writes out of the file and away from a second process' {
        $m = New-MemoryMapping $Path -Private
        Set-MappedByte $m -Offset 0 -String 'private'
        (Get-MappedByte $m -Count 7 -AsString) | Should -Be 'private'
        [IO.File]::ReadAllBytes($Path)[0..6] | Should -Be $Content[0..6]
        $seen = Invoke-ChildPwsh { param($p) Get-MappedByte (New-MemoryMapping $p -Protection Read) -Count 7 } -ArgumentList $Path
        $seen | Should -Be $Content[0..6]
    }

    It 'shows shared writes to a second process' {
        $m = New-MemoryMapping $Path
        Set-MappedByte $m -Offset 0 -String 'shared'
        Invoke-ChildPwsh { param($p) Get-MappedByte (New-MemoryMapping $p -Protection Read) -Count 6 -AsString } -ArgumentList $Path |
            Should -Be 'shared'
    }

    It 'refuses a write past Length in the last page (33 bytes at 90 of a 100-byte file): file and mapping keep every byte' {
        $small = Join-Path $TestDrive 'small.bin'
        [IO.File]::WriteAllBytes($small, [byte[]](1..100))
        $m = New-MemoryMapping $small
        $m.MappedLength | Should -Be $Page
        Set-MappedByte $m -Offset 90 -Value ([byte[]]::new(33)) -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.SetMappedByteCommand'
        $failure[0].Exception.Message | Should -Match 'Resize-MemoryMapping -ExtendFile'
        { Get-MappedByte $m -Offset 100 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.GetMappedByteCommand'
        Sync-MemoryMapping $m
        [IO.File]::ReadAllBytes($small) | Should -Be ([byte[]](1..100))
        $mapped = Get-MappedByte $m
        $mapped | Should -Be ([byte[]](1..100))
    }

    It 'fills a range with one byte (-Fill -Count), exactly and no further' {
        $m = New-MemoryMapping $Path
        Set-MappedByte $m -Offset ($Page - 2) -Fill 0xEE -Count 5
        $bytes = [IO.File]::ReadAllBytes($Path)
        $bytes[($Page - 2)..($Page + 2)] | Should -Be 0xEE, 0xEE, 0xEE, 0xEE, 0xEE
        $bytes[$Page - 3] | Should -Be $Content[$Page - 3]
        $bytes[$Page + 3] | Should -Be $Content[$Page + 3]
        Set-MappedByte $m -Offset 0 -Fill 0 -Count 1 -WhatIf
        [IO.File]::ReadAllBytes($Path)[0] | Should -Be $Content[0]
        { Set-MappedByte $m -Offset 1 -Fill 0 -Count (2 * $Page) -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappedByteCommand'
    }

    It 'works under its old name Set-MappedBytes, an exported alias, from a fresh pwsh' {
        (Get-Command -Module MemMap -CommandType Alias).Name | Should -Contain 'Set-MappedBytes'
        (Get-Alias Set-MappedBytes).ResolvedCommandName | Should -Be 'Set-MappedByte'
        $seen = Invoke-ChildPwsh {
            param($p)
            $m = New-MemoryMapping $p
            Set-MappedByte $m -Offset 0 -String 'new'
            $oldName = 'Set-MappedBytes'   # called by name on purpose: this tests the alias
            & $oldName $m -Offset 3 -String 'old'
            Get-MappedByte $m -Count 6 -AsString
            (Get-Command -Module MemMap Set-MappedBytes).CommandType.ToString()
        } -ArgumentList $Path
        $seen | Should -Be 'newold', 'Alias'
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Path), 0, 6) | Should -Be 'newold'
    }

    It 'binds a byte[] -Value as it is, without boxing each byte (16 MiB written, far less allocated)' {
        $m = New-MemoryMapping -Anonymous -Length 16MB
        $bytes = [byte[]]::new(16MB)
        $bytes[16MB - 1] = 0x5A
        Set-MappedByte $m -Value $bytes      # binds the cmdlet once, so the measured call binds only
        $before = [GC]::GetAllocatedBytesForCurrentThread()
        Set-MappedByte $m -Value $bytes
        $allocated = [GC]::GetAllocatedBytesForCurrentThread() - $before
        # Converting element by element boxes 16 Mi bytes: hundreds of MiB.
        $allocated | Should -BeLessThan 4MB
        Get-MappedByte $m -Offset (16MB - 1) -Count 1 | Should -Be 0x5A
    }

    Context 'refuses bad access with a typed error and the session lives on' {
        It 'refuses reads past the end of the mapping' {
            $m = New-MemoryMapping $Path
            { Get-MappedByte $m -Offset (2 * $Page) -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.GetMappedByteCommand'
            { Set-MappedByte $m -Offset (2 * $Page - 1) -Value 1, 2 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappedByteCommand'
        }

        It 'refuses a write to a read-only mapping and changes nothing' {
            $m = New-MemoryMapping $Path -Protection Read
            Set-MappedByte $m -Offset 0 -Value 1 -ErrorAction SilentlyContinue -ErrorVariable failure
            $failure[0].FullyQualifiedErrorId | Should -Be 'Access.Protection,MemMap.Commands.SetMappedByteCommand'
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

        It 'refuses a write past a truncated end inside the last page, and the file stays unchanged when it grows again' {
            $m = New-MemoryMapping $Path
            $end = $Page + $Page / 2 - 144 # 6000 of an 8 KiB file with 4 KiB pages: the last page is partial
            truncate --size $end $Path
            Set-MappedByte $m -Offset ($end + 1000) -Value 0x42 -ErrorAction SilentlyContinue -ErrorVariable failure
            $failure[0].FullyQualifiedErrorId | Should -Be 'Access.BeyondEndOfFile,MemMap.Commands.SetMappedByteCommand'
            $failure[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $failure[0].Exception.Message | Should -BeLike "*now $end bytes long*"
            { Get-MappedByte $m -Offset ($end + 1000) -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.BeyondEndOfFile,MemMap.Commands.GetMappedByteCommand'
            { Set-MappedByte $m -Offset ($end - 1) -Fill 0x42 -Count 2 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.BeyondEndOfFile,MemMap.Commands.SetMappedByteCommand'
            { Set-MappedValue $m -Offset ($end - 2) -Type Int32 -Value 7 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.BeyondEndOfFile,MemMap.Commands.SetMappedValueCommand'
            truncate --size (2 * $Page) $Path
            $file = [IO.File]::ReadAllBytes($Path)
            $file[0..($end - 1)] | Should -Be $Content[0..($end - 1)]
            $file[$end..(2 * $Page - 1)] | Where-Object { $_ -ne 0 } | Should -BeNullOrEmpty
            Set-MappedByte $m -Offset ($end + 1000) -Value 0x42 # inside the file again: written
            [IO.File]::ReadAllBytes($Path)[$end + 1000] | Should -Be 0x42
        }
    }
}

Describe 'Set-MappedByte hints' {
    It 'answers -Value with text by pointing at -String, and writes nothing' {
        $m = New-MemoryMapping -Anonymous -Length 16
        { Set-MappedByte $m -Value 'hi' -ErrorAction Stop } | Should -Throw -ExpectedMessage "*-String 'hi'*"
        (Get-MappedByte $m -Count 2) | Should -Be 0, 0
        Set-MappedByte $m -Value '0x55', '170'
        (Get-MappedByte $m -Count 2) | Should -Be 0x55, 170
        Remove-MemoryMapping $m
    }

    It 'makes unrepresentable text a non-terminating error, never ? bytes' {
        $m = New-MemoryMapping -Anonymous -Length 16
        Set-MappedByte $m -String 'é' -Encoding ascii -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure.Count | Should -Be 1
        Get-MappedByte $m -Count 1 | Should -Be 0
        Remove-MemoryMapping $m
    }
}


Describe 'Get-MappedByte -AsHex' {
    It 'writes Format-Hex rows numbered from the mapping offset, 16 bytes each, under the mapping''s name' {
        $path = Join-Path $TestDrive "hex-$(New-Guid).bin"
        $content = New-PatternFile -Path $path -Length 1024
        $m = New-MemoryMapping $path
        $rows = Get-MappedByte $m -Offset 500 -Count 40 -AsHex
        $rows | Should -HaveCount 3
        $rows[0] | Should -BeOfType ([Microsoft.PowerShell.Commands.ByteCollection])
        $rows.Offset64 | Should -Be 500, 516, 532
        $rows[2].Bytes | Should -Be $content[532..539]
        $text = $rows | Out-String -Width 100
        $text | Should -Match ('Label: mapping {0} \(.*hex-' -f $m.Id)
        $text | Should -Match ('(?m)^00000000000001F4 {0:X2} {1:X2}' -f $content[500], $content[501])
        # The same numbering as Format-Hex gives the file itself from that offset.
        $fileRows = Format-Hex -LiteralPath $path -Offset 500 -Count 40
        $rows.Offset64 | Should -Be $fileRows.Offset64
        Remove-MemoryMapping $m
    }

    It 'refuses -AsHex with -AsString (one output form at a time)' {
        $m = New-MemoryMapping -Anonymous -Length 16
        { Get-MappedByte $m -AsHex -AsString -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousParameterSet,MemMap.Commands.GetMappedByteCommand'
        Remove-MemoryMapping $m
    }
}
