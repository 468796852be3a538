BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Block = 1MB # MemoryMapping.SearchBlockLength
}

Describe 'Find-MappedByte' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'outputs every offset in ascending order, overlapping ones included, as [long]' {
        $m = New-MemoryMapping -Anonymous -Length 64
        Set-MappedByte $m -Offset 10 -String 'aaaa'
        $found = Find-MappedByte $m -String 'aa'
        $found | Should -Be 10, 11, 12
        $found[0] | Should -BeOfType [long]
        Find-MappedByte $m 0x61, 0x61 -Offset 11 -Count 3 | Should -Be 11, 12
        Find-MappedByte $m -String 'aa' -First 2 | Should -Be 10, 11
        Find-MappedByte $m -String 'aa' -Last | Should -Be 12
    }

    It 'outputs nothing, and no error, when there is no match' {
        $m = New-MemoryMapping -Anonymous -Length 64
        Find-MappedByte $m 1, 2, 3 -ErrorVariable failure | Should -BeNullOrEmpty
        Find-MappedByte $m 1 -Last -ErrorVariable +failure | Should -BeNullOrEmpty
        $failure | Should -BeNullOrEmpty
    }

    It 'finds matches at offset 0, at the very end and across every block boundary of a file, like a reference search' {
        $path = Join-Path $TestDrive 'big.bin'
        $length = 3 * $Block + 100
        $data = [byte[]]::new($length)
        [Random]::new(7).NextBytes($data)
        $needle = [Text.Encoding]::ASCII.GetBytes('MemMap-needle-16')
        $planted = 0, ($Block - 8), (2 * $Block - 16), (2 * $Block), (3 * $Block - 1), ($length - 16) # straddling, ending at and starting at boundaries
        foreach ($at in $planted) { [Array]::Copy($needle, 0, $data, $at, 16) }
        [IO.File]::WriteAllBytes($path, $data)
        $m = New-MemoryMapping $path -Protection Read

        Find-MappedByte $m $needle | Should -Be $planted
        Find-MappedByte $m -String 'MemMap-needle-16' -Encoding ascii -Last | Should -Be ($length - 16)
        Find-MappedByte $m $needle -Offset 1 -Count ($length - 2) | Should -Be $planted[1..($planted.Count - 2)]
    }

    It 'finds text in other encodings' {
        $m = New-MemoryMapping -Anonymous -Length 64
        Set-MappedByte $m -Offset 20 -String 'héllo' -Encoding unicode
        Find-MappedByte $m -String 'héllo' -Encoding unicode | Should -Be 20
        Find-MappedByte $m -String 'héllo' | Should -BeNullOrEmpty
    }

    It 'refuses a range past Length, an empty value, and -First with -Last' {
        $m = New-MemoryMapping -Anonymous -Length 100
        { Find-MappedByte $m 0 -Offset 50 -Count 51 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.FindMappedByteCommand'
        { Find-MappedByte $m -String '' -ErrorAction Stop } | Should -Throw -ErrorId '*EmptyStringNotAllowed*'
        { Find-MappedByte $m 0 -First 1 -Last -ErrorAction Stop } | Should -Throw -ErrorId 'FirstWithLast,MemMap.Commands.FindMappedByteCommand'
        @(Find-MappedByte $m 0).Count | Should -Be 100
    }

    It 'ends with Access.BeyondEndOfFile when the file was truncated, after the matches before it, and the session lives on' {
        $path = Join-Path $TestDrive 'shrinking.bin'
        $data = [byte[]]::new(4 * $Block)
        $data[5] = 9
        $data[3 * $Block] = 9
        [IO.File]::WriteAllBytes($path, $data)
        $m = New-MemoryMapping $path
        truncate --size $Block $path
        $found = Find-MappedByte $m 9 -ErrorAction SilentlyContinue -ErrorVariable failure
        $found | Should -Be 5
        $failure[0].FullyQualifiedErrorId | Should -Be 'Access.BeyondEndOfFile,MemMap.Commands.FindMappedByteCommand'
        Find-MappedByte $m 9 -Count $Block | Should -Be 5
    }

    It 'stops at once under Select-Object -First: the blocks after the first few are never read, and the mapping is released' {
        # A fresh sparse file has no page in the page cache; a search reads (and so caches) every page it scans.
        $path = Join-Path $TestDrive "sparse-$(New-Guid).bin"
        $file = [IO.File]::Create($path)
        try { $file.Write([byte[]](9, 9, 9), 0, 3); $file.SetLength(256 * $Block) } finally { $file.Dispose() }
        (Get-MappingResidency $path).ResidentBytes | Should -BeLessOrEqual ([Environment]::SystemPageSize)
        $m = New-MemoryMapping $path -Protection Read
        Find-MappedByte $m 9 | Select-Object -First 3 | Should -Be 0, 1, 2
        # A search that went on after the third match would have read all 256 blocks.
        (Get-MappingResidency $path).ResidentBytes | Should -BeLessThan (32 * $Block)
        Remove-MemoryMapping $m
        $m.IsOpen | Should -BeFalse
    }
}

Describe 'Find-MappedByte over holes and unreadable pages' {
    BeforeAll { $script:Page = [Environment]::SystemPageSize }
    AfterEach { Get-MemoryMapping | Remove-MemoryMapping }

    It 'finds a match just before a hole (offset 4000, hole at the next page)' {
        $m = New-MemoryMapping -Anonymous -Length (4 * $Page)
        Set-MappedByte $m -Offset 4000 -Value 0xAB
        Remove-MemoryMapping $m -Offset $Page -Count $Page
        $found = Find-MappedByte $m -Value 0xAB -Offset 4000 -First 1 -ErrorAction SilentlyContinue -ErrorVariable failure
        $found | Should -Be 4000
        $failure | Should -BeNullOrEmpty     # -First 1 stopped before the hole
    }

    It 'searches what is readable, one error per unreadable run however long, matches on both sides: <Name>' -ForEach @(
        @{ Name = 'ascending'; Last = $false; Tail = $true; Expected = @(100, (3MB + 5)) }
        @{ Name = '-Last, the last match before the run'; Last = $true; Tail = $false; Expected = @(100) }) {
        $m = New-MemoryMapping -Anonymous -Length 4MB
        Set-MappedByte $m -Offset 100 -Value 0xCD, 0xEF
        Set-MappedByte $m -Offset (2MB) -Value 0xCD, 0xEF     # inside the protected run: never read
        if ($Tail) { Set-MappedByte $m -Offset (3MB + 5) -Value 0xCD, 0xEF }
        Set-MappingProtection $m None -Offset (1MB) -Count (2MB)  # two search blocks long
        $found = Find-MappedByte $m -Value 0xCD, 0xEF -Last:$Last -ErrorAction SilentlyContinue -ErrorVariable failure
        $found | Should -Be $Expected
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'Access.Protection,MemMap.Commands.FindMappedByteCommand'
        "$($failure[0])" | Should -Match "offset $(1MB)"
    }

    It 'writes one error for a hole and one for a protected run, and finds the rest' {
        $m = New-MemoryMapping -Anonymous -Length (8 * $Page)
        foreach ($at in 0, (3 * $Page), (7 * $Page)) { Set-MappedByte $m -Offset $at -Value 0x77 }
        Remove-MemoryMapping $m -Offset $Page -Count $Page
        Set-MappingProtection $m None -Offset (4 * $Page) -Count (2 * $Page)
        $found = Find-MappedByte $m -Value 0x77 -ErrorAction SilentlyContinue -ErrorVariable failure
        $found | Should -Be 0, (3 * $Page), (7 * $Page)
        $failure.FullyQualifiedErrorId | Should -Be 'Access.Unmapped,MemMap.Commands.FindMappedByteCommand', 'Access.Protection,MemMap.Commands.FindMappedByteCommand'
    }
}
