BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
}

Describe 'The default output' {
    BeforeEach {
        $script:File = Join-Path $TestDrive 'a-file-with-a-rather-long-name-that-would-not-fit.bin'
        [IO.File]::WriteAllBytes($File, [byte[]]::new(3 * [Environment]::SystemPageSize))
        $script:Mapping = New-MemoryMapping -Path $File
    }

    AfterEach { Get-MemoryMapping | Remove-MemoryMapping }

    It 'keeps the table within 80 columns with the end of the path readable' {
        $lines = ($Mapping | Format-Table | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        $lines[-1] | Should -Match 'fit\.bin\s*$'
        $lines[-1] | Should -Match ('0x{0:x}' -f $Mapping.Address.ToInt64())
    }

    It 'shows a path under the current location relative to it' {
        $short = Join-Path $TestDrive 'short.bin'
        [IO.File]::WriteAllBytes($short, [byte[]]::new(10))
        $m = New-MemoryMapping $short
        Push-Location $TestDrive
        try { ($m | Format-Table | Out-String -Width 200) | Should -Match '\./short\.bin' }
        finally { Pop-Location }
    }

    It 'tells the truth about mixed protection: common protection, IsProtectionUniform, Mixed in the table' {
        Set-MappingProtection $Mapping Read -Offset 0 -Count 1
        $Mapping.Protection | Should -Be 'Read'
        $Mapping.IsProtectionUniform | Should -BeFalse
        ($Mapping | Format-Table | Out-String -Width 200) | Should -Match 'Mixed'
    }

    It 'shows the address in hex and the protection regions one per line in the list view' {
        Set-MappingProtection $Mapping None -Offset 0 -Count 1
        $list = $Mapping | Format-List | Out-String -Width 120
        $list | Should -Match ('Address\s+: 0x{0:x}' -f $Mapping.Address.ToInt64())
        $list | Should -Match '0x0-0xfff None'
        ($Mapping.ProtectionRegions | Out-String) | Should -Match '0x1000'
    }

    It 'shows a removed mapping as removed' {
        ($Mapping | Remove-MemoryMapping -PassThru | Format-Table | Out-String -Width 200) | Should -Match '\(removed\)'
    }
}

Describe 'Paths and encodings as PowerShell users type them' {
    AfterEach { Get-MemoryMapping | Remove-MemoryMapping }

    It 'finds mappings from Get-ChildItem down the pipeline and by -LiteralPath' {
        $file = Join-Path $TestDrive 'pipe[1].bin'
        [IO.File]::WriteAllBytes($file, [byte[]]::new(10))
        $m = New-MemoryMapping -LiteralPath $file
        (Get-Item -LiteralPath $file | Get-MemoryMapping).Id | Should -Be $m.Id
        (Get-MemoryMapping -LiteralPath $file).Id | Should -Be $m.Id
        Get-Item -LiteralPath $file | Remove-MemoryMapping
        $m.IsOpen | Should -BeFalse
    }

    It 'removes mappings by -Path with wildcards, asking ShouldProcess' {
        $file = Join-Path $TestDrive 'wild.bin'
        [IO.File]::WriteAllBytes($file, [byte[]]::new(10))
        $m = New-MemoryMapping $file
        Remove-MemoryMapping -Path (Join-Path $TestDrive 'wi*.bin') -WhatIf
        $m.IsOpen | Should -BeTrue
        Remove-MemoryMapping -Path (Join-Path $TestDrive 'wi*.bin')
        $m.IsOpen | Should -BeFalse
        { Remove-MemoryMapping -Path (Join-Path $TestDrive 'none.bin') -ErrorAction Stop } | Should -Throw -ErrorId 'MappingNotFound*'
    }

    It 'takes -Count for a protection range and -Length as its alias' {
        $m = New-MemoryMapping -Anonymous -Length (2 * [Environment]::SystemPageSize)
        Set-MappingProtection $m Read -Offset 0 -Length 1
        Set-MappingProtection $m None -Offset ([Environment]::SystemPageSize) -Count 1
        $m.ProtectionRegions.Protection | Should -Be @('Read', 'None')
    }

    It 'accepts PowerShell''s encoding names: <_>' -ForEach 'utf8', 'utf8BOM', 'utf8NoBOM', 'ascii', 'ansi', 'oem', 'unicode', 'utf16', 'utf32', 'bigendianunicode', 'latin1' {
        $m = New-MemoryMapping -Anonymous -Length 64
        Set-MappedByte $m -Offset 0 -String 'hi' -Encoding $_
        Get-MappedByte $m -Count ([Text.Encoding]::Unicode.GetByteCount('hi') * ($_ -eq 'utf32' ? 2 : 1)) -AsString -Encoding $_ | Should -BeLike 'hi*'
    }

    It 'refuses text the encoding cannot represent instead of writing ? bytes' {
        $m = New-MemoryMapping -Anonymous -Length 64
        { Set-MappedByte $m -Offset 0 -String 'é' -Encoding ascii -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappedByteCommand' -ExpectedMessage '*(U+00E9)*has no encoding in us-ascii*'
        Get-MappedByte $m -Count 1 | Should -Be 0
    }
}
