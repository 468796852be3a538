BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Folder = Join-Path ([IO.Path]::GetTempPath()) "memmap-stream-$PID-$(New-Guid)"
    New-Item -ItemType Directory $Folder | Out-Null
}

AfterAll {
    Remove-Item $Folder -Recurse -Force
}

Describe 'MemoryMapping.AsStream' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'hashes as Get-FileHash -Path does, whole or for a range (the help''s example)' {
        $path = Join-Path $Folder 'disk.img'
        $bytes = [byte[]]::new(3MB + 5)
        [Random]::new(18).NextBytes($bytes)
        [IO.File]::WriteAllBytes($path, $bytes)
        $m = New-MemoryMapping $path -Protection Read

        (Get-FileHash -InputStream $m.AsStream()).Hash | Should -Be (Get-FileHash -Path $path).Hash
        $first = Join-Path $Folder 'first.img'
        [IO.File]::WriteAllBytes($first, $bytes[0..(1MB - 1)])
        (Get-FileHash -InputStream $m.AsStream(0, 1MB)).Hash | Should -Be (Get-FileHash -Path $first).Hash
    }

    It 'reads the lines of a mapped log with a StreamReader' {
        $path = Join-Path $Folder 'app.log'
        $lines = 1..200 | ForEach-Object { "line $_ of the log" }
        Set-Content -Path $path -Value $lines
        $log = New-MemoryMapping $path -Protection Read

        $reader = [IO.StreamReader]::new($log.AsStream())
        $read = while ($null -ne ($line = $reader.ReadLine())) { $line }
        $reader.Dispose()

        $read | Should -Be $lines
        $log.IsOpen | Should -BeTrue
    }

    It 'fails the stream''s next call cleanly once the mapping is removed' {
        $m = New-MemoryMapping -Anonymous -Length 4KB
        $stream = $m.AsStream()
        Remove-MemoryMapping $m

        $failure = try { $stream.ReadByte() } catch { $_.Exception.InnerException }
        $failure | Should -BeOfType ([ObjectDisposedException])
        $failure.InnerException | Should -BeOfType ([MemMap.MappingClosedException])
    }
}
