BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
    $script:Folder = Join-Path ([IO.Path]::GetTempPath()) "memmap-copy-$PID-$(New-Guid)"
    New-Item -ItemType Directory $Folder | Out-Null
}

AfterAll {
    Remove-Item $Folder -Recurse -Force
}

Describe 'Copy-MappedByte' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'copies a file into a new file of the same size, byte for byte as cmp sees it (the help''s example)' {
        $sourcePath = Join-Path $Folder 'disk.img'
        $copyPath = Join-Path $Folder 'disk-copy.img'
        $bytes = [byte[]]::new(40 * $Page + 77)
        [Random]::new(18).NextBytes($bytes)
        [IO.File]::WriteAllBytes($sourcePath, $bytes)

        $source = New-MemoryMapping $sourcePath -Protection Read
        $copy = New-MemoryMapping $copyPath -Create -Length $source.Length
        Copy-MappedByte $source -Destination $copy
        Sync-MemoryMapping $copy
        $source, $copy | Remove-MemoryMapping

        & cmp $sourcePath $copyPath
        $LASTEXITCODE | Should -Be 0
        (Get-FileHash $copyPath).Hash | Should -Be (Get-FileHash $sourcePath).Hash
    }

    It 'moves overlapping bytes within one mapping as memmove, <_>' -ForEach 'up', 'down' {
        $m = New-MemoryMapping -Anonymous -Length $Page
        Set-MappedByte $m -String 'abcdef'
        if ($_ -eq 'up') {
            Copy-MappedByte $m -Offset 0 -Count 6 -DestinationOffset 2
            Get-MappedByte $m -Count 8 -AsString | Should -Be 'ababcdef'
        }
        else {
            Copy-MappedByte $m -Offset 2 -Count 4 -DestinationOffset 0
            Get-MappedByte $m -Count 6 -AsString | Should -Be 'cdefef'
        }
    }

    It 'copies nothing with -WhatIf and passes the destination on with -PassThru' {
        $source = New-MemoryMapping -Anonymous -Length $Page
        $destination = New-MemoryMapping -Anonymous -Length $Page
        Set-MappedByte $source -String 'hello'

        Copy-MappedByte $source -Count 5 -Destination $destination -WhatIf
        (Get-MappedByte $destination -Count 5) -join ',' | Should -Be '0,0,0,0,0'

        Copy-MappedByte $source -Count 5 -Destination $destination -DestinationOffset 10 -PassThru | Should -Be $destination
        Get-MappedByte $destination -Offset 10 -Count 5 -AsString | Should -Be 'hello'
    }

    It 'refuses a range past the destination''s end, or a read-only destination, and writes nothing' {
        $source = New-MemoryMapping -Anonymous -Length (2 * $Page)
        Set-MappedByte $source -Fill 7 -Count (2 * $Page)
        $destination = New-MemoryMapping -Anonymous -Length $Page

        Copy-MappedByte $source -Destination $destination -ErrorVariable bounds -ErrorAction SilentlyContinue
        $bounds[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.CopyMappedByteCommand'

        Set-MappingProtection $destination Read
        Copy-MappedByte $source -Count 10 -Destination $destination -ErrorVariable denied -ErrorAction SilentlyContinue
        $denied[0].FullyQualifiedErrorId | Should -Be 'Access.Protection,MemMap.Commands.CopyMappedByteCommand'
        $denied[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        @((Get-MappedByte $destination -Count $Page) -ne 0).Count | Should -Be 0
    }

    It 'refuses a range past the end another process truncated the file to, before a byte moves, and the session lives on' {
        $path = Join-Path $Folder "truncated-$(New-Guid)"
        [IO.File]::WriteAllBytes($path, [byte[]]::new(8 * $Page))
        $m = New-MemoryMapping $path
        Set-MappedByte $m -Fill 1 -Count (8 * $Page)
        & truncate --size (3 * $Page) $path

        # Within the one mapping, down: the source reaches past the file's current end.
        Set-MappedByte $m -Fill 2 -Count $Page
        Copy-MappedByte $m -Offset (2 * $Page) -Count (4 * $Page) -DestinationOffset 0 -ErrorVariable stopped -ErrorAction SilentlyContinue

        $stopped[0].FullyQualifiedErrorId | Should -Be 'Access.BeyondEndOfFile,MemMap.Commands.CopyMappedByteCommand'
        $stopped[0].Exception.Message | Should -BeLike "*at offset $(3 * $Page): the file is now $(3 * $Page) bytes long*Nothing was read*"
        Get-MappedByte $m -Count 1 | Should -Be 2 # nothing moved
    }
}
