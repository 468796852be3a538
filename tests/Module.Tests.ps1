# The contract every cmdlet keeps (help, parameter sets, pipeline) is in Module.Contract.Tests.ps1.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Manifest = Join-Path -Path (Get-Module MemMap).ModuleBase -ChildPath 'MemMap.psd1'

    function Get-Completion([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

Describe 'The MemMap module' {
    It 'has a valid manifest that exports the cmdlets it names, and their aliases' {
        $data = Import-PowerShellDataFile -LiteralPath $Manifest
        $tested = Test-ModuleManifest -Path $Manifest
        $tested.ExportedCmdlets.Keys | Sort-Object | Should -Be ($data.CmdletsToExport | Sort-Object)
        @((Get-Module MemMap).ExportedAliases.Keys) | Sort-Object | Should -Be @($data.AliasesToExport | Sort-Object)
        $tested.Version | Should -Be ([version]$data.ModuleVersion)
        (Get-Item -LiteralPath (Join-Path -Path (Split-Path $Manifest) -ChildPath 'MemMap.dll')).VersionInfo.FileVersion | Should -Be "$($data.ModuleVersion).0"
    }

    It 'has a root manifest that fails Test-ModuleManifest only for want of the built MemMap.dll' {
        $root = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'MemMap.psd1'
        Test-ModuleManifest -Path $root -ErrorAction SilentlyContinue -ErrorVariable failures | Out-Null
        $failures.FullyQualifiedErrorId | Should -Be 'Modules_InvalidRootModuleInModuleManifest,Microsoft.PowerShell.Commands.TestModuleManifestCommand'
    }

    It 'names the alias Set-MappedBytes in the help of Set-MappedByte' {
        (Get-Help Set-MappedByte).Synopsis | Should -Match 'Set-MappedBytes'
        (Get-Help Set-MappedBytes).Name | Should -Be 'Set-MappedByte'
    }

    It 'keeps only commands in example code: sample output is set apart' {
        $example = (Get-Help New-MemoryMapping -Examples).Examples.Example | Where-Object { ($_.Remarks | Out-String) -match 'Output:' } | Select-Object -First 1
        $example.Code | Should -Not -Match 'MappedLength :'
        ($example.Remarks | Out-String) | Should -Match 'MappedLength :'
    }

    It 'has the about_MemMap topic, plain text within 80 columns' {
        $text = Get-Help about_MemMap | Out-String
        $text | Should -Match 'THE FOUR KINDS OF MAPPING'
        $text | Should -Match 'FOREACH-OBJECT -PARALLEL'
        $file = Join-Path -Path (Get-Module MemMap).ModuleBase -ChildPath 'en-US' -AdditionalChildPath 'about_MemMap.help.txt'
        Get-Content -LiteralPath $file | Where-Object Length -GT 80 | Should -BeNullOrEmpty
    }

    It 'names every exported cmdlet in the SEE ALSO of about_MemMap' {
        $file = Join-Path -Path (Get-Module MemMap).ModuleBase -ChildPath 'en-US' -AdditionalChildPath 'about_MemMap.help.txt'
        $seeAlso = ((Get-Content -Raw -LiteralPath $file) -split '(?m)^SEE ALSO\s*$')[1] -split '(?m)^KEYWORDS\s*$' | Select-Object -First 1
        foreach ($cmdlet in (Get-Command -Module MemMap -CommandType Cmdlet).Name) { $seeAlso | Should -Match "\b$cmdlet\b" }
    }

    It 'completes -Id with the live mapping ids' {
        $m = New-MemoryMapping -Anonymous -Length 10
        try {
            $line = 'Remove-MemoryMapping -Id '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain "$($m.Id)"
        }
        finally { Remove-MemoryMapping $m }
    }

    It 'completes -Type with the numeric type names' {
        $line = 'Get-MappedValue -Type UI'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'UInt16', 'UInt32', 'UInt64'
    }

    It 'completes -Encoding with encoding names, PowerShell''s own among them' {
        (Get-Completion 'Get-MappedByte -Encoding ut').CompletionText | Should -Contain 'utf8BOM'
        (Get-Completion 'Get-MappedByte -Encoding ').CompletionText | Should -Contain 'ansi'
    }

    It 'completes -Id after "-Id 1," with the ids not given yet' {
        $a = New-MemoryMapping -Anonymous -Length 10
        $b = New-MemoryMapping -Anonymous -Length 10
        try {
            $offered = (Get-Completion "Get-MemoryMapping -Id $($a.Id),").CompletionText
            $offered | Should -Contain "$($b.Id)"
            $offered | Should -Not -Contain "$($a.Id)"
        }
        finally { Remove-MemoryMapping $a, $b }
    }

    It 'completes -Mapping with an expression that gets a live mapping, and -Path with mapped files' {
        $file = Join-Path $TestDrive 'completion target.bin'
        [IO.File]::WriteAllBytes($file, [byte[]]::new(10))
        $m = New-MemoryMapping $file
        try {
            $completion = Get-Completion 'Get-MappedByte -Mapping ' | Where-Object CompletionText -EQ "(Get-MemoryMapping -Id $($m.Id))"
            $completion.ListItemText | Should -BeLike "$($m.Id): *completion target.bin"
            (Get-Completion 'Sync-MemoryMapping ' | Where-Object CompletionText -Like '(Get-MemoryMapping*').Count | Should -BeGreaterThan 0
            (Get-Completion 'Remove-MemoryMapping -Path ').CompletionText | Should -Contain "'$file'"
            (Get-Completion 'Get-MemoryMapping -LiteralPath ').CompletionText | Should -Contain "'$file'"
            $typed = (Get-Completion 'Get-MappedByte -Mapping ' | Where-Object CompletionText -EQ "(Get-MemoryMapping -Id $($m.Id))").CompletionText
            (& ([scriptblock]::Create("Get-MappedByte -Mapping $typed -Count 1"))) | Should -Be 0
        }
        finally { Remove-MemoryMapping $m }
    }

    It 'removed in a ForEach-Object -Parallel runspace, unmaps only that runspace''s mappings' {
        $m = New-MemoryMapping -Anonymous -Length 10
        try {
            $manifest = Join-Path (Get-Module MemMap).ModuleBase 'MemMap.psd1'
            $inner = 1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module $using:manifest
                $own = New-MemoryMapping -Anonymous -Length 10
                Remove-Module MemMap
                $own.IsOpen
            }
            $inner | Should -Be @($false, $false)
            $m.IsOpen | Should -BeTrue
            (Get-MemoryMapping -Id $m.Id).Id | Should -Be $m.Id
            Get-MappedByte $m -Count 1 | Should -Be 0
        }
        finally { Remove-MemoryMapping $m }
    }

    It 'unmaps the live mappings when it is removed' {
        $m = New-MemoryMapping -Anonymous -Length 10
        Remove-Module MemMap
        try {
            $m.IsOpen | Should -BeFalse
        }
        finally { Import-MemMapUnderTest }
    }
}
