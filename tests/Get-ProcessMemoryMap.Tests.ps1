BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Get-ProcessMemoryMap' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'shows the seeds'' experiment: map None, look, Set-MappingProtection, look again' {
        $m = New-MemoryMapping -Anonymous -Length (4 * $Page) -Protection None
        $before = Get-ProcessMemoryMap | Where-Object MappingId -eq $m.Id
        $before.Permissions | Should -Be '---s'
        $before.Start | Should -Be ([uint64]$m.Address.ToInt64())
        $before.Size | Should -Be (4 * $Page)

        Set-MappingProtection $m ReadWrite -Offset 0 -Count $Page
        $after = Get-ProcessMemoryMap | Where-Object MappingId -eq $m.Id
        $after.Permissions | Should -Be 'rw-s', '---s'
        $after.Size | Should -Be $Page, (3 * $Page)
    }

    It 'adds the smaps counts with -Detailed' {
        # Shared anonymous memory never merges with a neighbouring area (private memory may, and its pages would count too).
        $m = New-MemoryMapping -Anonymous -Length (8 * $Page)
        Set-MappedByte $m -Offset 0 -Value ([byte[]]::new(3 * $Page))
        $region = Get-ProcessMemoryMap -Detailed | Where-Object MappingId -eq $m.Id
        $region.Rss | Should -Be (3 * $Page)
        $region.PrivateDirty | Should -Be (3 * $Page)
        (Get-ProcessMemoryMap | Where-Object MappingId -eq $m.Id).Rss | Should -BeNullOrEmpty
    }

    It 'agrees with pmap on another process taken from Get-Process' {
        $sleeper = Start-Process sleep 30 -PassThru
        try {
            $deadline = [DateTime]::Now.AddSeconds(5)
            while ((Get-Content "/proc/$($sleeper.Id)/stat" -Raw) -notmatch '\) S ' -and [DateTime]::Now -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $ours = Get-Process -Id $sleeper.Id | Get-ProcessMemoryMap
            $pmap = pmap -x $sleeper.Id | Select-Object -Skip 2 | Where-Object { $_ -match '^[0-9a-f]{16} ' } | ForEach-Object {
                $address, $kbytes, $null = $_ -split '\s+', 3
                '{0}/{1}' -f [Convert]::ToUInt64($address, 16), $kbytes
            } | Sort-Object -Unique
            $ours | ForEach-Object { '{0}/{1}' -f $_.Start, ($_.Size / 1KB) } | Sort-Object -Unique | Should -Be $pmap
            $ours.MappingId | Where-Object { $null -ne $_ } | Should -BeNullOrEmpty
            $ours[0].ProcessId | Should -Be $sleeper.Id
        }
        finally { $sleeper | Stop-Process -ErrorAction SilentlyContinue }
    }

    It 'reports a process that does not exist as ObjectNotFound and goes on' {
        $regions = Get-ProcessMemoryMap -Id 2147483647, $PID -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'open.ENOENT,MemMap.Commands.GetProcessMemoryMapCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $regions.Count | Should -BeGreaterThan 10
    }

    It 'reports another user''s process as PermissionDenied' {
        if ([Environment]::UserName -ne 'root') { Set-ItResult -Skipped -Because 'only root can start a process as another user (setpriv) for this one to look at: run the suite as root'; return }
        $output = Invoke-ChildPwshAsUser -User nobody -Group nogroup -ScriptBlock {
            Get-ProcessMemoryMap -Id 1 -ErrorAction SilentlyContinue -ErrorVariable failure
            $failure[0].FullyQualifiedErrorId
            $failure[0].CategoryInfo.Category
        }
        $output | Should -Be 'open.EACCES,MemMap.Commands.GetProcessMemoryMapCommand', 'PermissionDenied'
    }

    It 'shows hex addresses and human sizes in the default view' {
        $m = New-MemoryMapping -Anonymous -Length 1MB
        $text = Get-ProcessMemoryMap | Where-Object MappingId -eq $m.Id | Out-String -Width 200
        $text | Should -BeLike ('*{0:x}*1 MiB*rw-s*' -f $m.Address.ToInt64())
    }

    Context 'the default table at 80 columns' {
        BeforeAll {
            $script:File = Join-Path $TestDrive "a-file-with-a-rather-long-name-$PID-that-would-not-fit.bin"
            [IO.File]::WriteAllBytes($File, [byte[]]::new(8192))
        }
        AfterEach { Get-MemoryMapping | Remove-MemoryMapping }

        It 'fits 80 columns, with the end of the path readable: <_>' -ForEach @($false, $true) {
            $m = New-MemoryMapping $File
            $lines = (Get-ProcessMemoryMap -Detailed:$_ | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }
            $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
            $lines | Where-Object { $_ -match 'not-fit\.bin\s*$' } | Should -Not -BeNullOrEmpty
            $lines | Where-Object { $_ -match '\[vsyscall\]\s*$' } | Should -Not -Match "$([char]0x2026)\s"
            ($lines -match 'not-fit\.bin') | Should -Match ('^{0:x} ' -f $m.Address.ToInt64())
        }

        It 'names every column after a property, so Format-Table takes the same names (<_>)' -ForEach @($false, $true) {
            $region = Get-ProcessMemoryMap -Detailed:$_ | Select-Object -First 1
            $headers = -split ((($region | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() })[0])
            $headers | Should -Not -BeNullOrEmpty
            foreach ($header in $headers) { $region.PSObject.Properties.Name | Should -Contain $header }
        }

        It 'shows the smaps columns only with -Detailed, and filled there' {
            $m = New-MemoryMapping $File -Populate
            $plain = (Get-ProcessMemoryMap | Where-Object MappingId -EQ $m.Id | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
            -split $plain[0] | Should -Not -Contain 'Rss'
            $detailed = (Get-ProcessMemoryMap -Detailed | Where-Object MappingId -EQ $m.Id | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
            -split $detailed[0] | Should -Contain 'Rss'
            $detailed[2] | Should -Match ' 8 KiB\s+8 KiB '
        }
    }
}
