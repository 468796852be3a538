BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
}

Describe 'The MemMap module' {
    It 'has a valid manifest that exports the ten cmdlets and the alias Set-MappedBytes' {
        $manifest = Test-ModuleManifest (Join-Path (Get-Module MemMap).ModuleBase 'MemMap.psd1')
        $manifest.ExportedCmdlets.Keys | Sort-Object | Should -Be @(
            'Find-MappedByte', 'Get-MappedByte', 'Get-MappedValue', 'Get-MemoryMapping', 'New-MemoryMapping',
            'Remove-MemoryMapping', 'Set-MappedByte', 'Set-MappedValue', 'Set-MappingProtection', 'Sync-MemoryMapping')
        (Get-Module MemMap).ExportedAliases.Keys | Should -Be @('Set-MappedBytes')
    }

    It 'names the alias Set-MappedBytes in the help of Set-MappedByte' {
        (Get-Help Set-MappedByte).Synopsis | Should -Match 'Set-MappedBytes'
        (Get-Help Set-MappedBytes).Name | Should -Be 'Set-MappedByte'
    }

    It 'has help with a synopsis and examples for <_>' -ForEach @(
        'New-MemoryMapping', 'Get-MemoryMapping', 'Get-MappedByte', 'Set-MappedByte',
        'Get-MappedValue', 'Set-MappedValue', 'Find-MappedByte', 'Sync-MemoryMapping', 'Set-MappingProtection', 'Remove-MemoryMapping') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeLike "$_ *[<CommonParameters>]*"
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($parameter in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin [Management.Automation.PSCmdlet]::CommonParameters }) {
            ($help.Parameters.Parameter | Where-Object Name -EQ $parameter).Description | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'has the about_MemMap topic' {
        Get-Help about_MemMap | Out-String | Should -Match 'THE FOUR KINDS OF MAPPING'
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

    It 'completes -Encoding with encoding names' {
        $line = 'Get-MappedByte -Encoding ut'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'utf8'
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
