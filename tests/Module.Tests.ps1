BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
}

Describe 'The MemMap module' {
    It 'has a valid manifest that exports the seven cmdlets' {
        $manifest = Test-ModuleManifest (Join-Path (Get-Module MemMap).ModuleBase 'MemMap.psd1')
        $manifest.ExportedCmdlets.Keys | Sort-Object | Should -Be @(
            'Get-MappedByte', 'Get-MemoryMapping', 'New-MemoryMapping', 'Remove-MemoryMapping',
            'Set-MappedBytes', 'Set-MappingProtection', 'Sync-MemoryMapping')
    }

    It 'has help with a synopsis and examples for <_>' -ForEach @(
        'New-MemoryMapping', 'Get-MemoryMapping', 'Get-MappedByte', 'Set-MappedBytes',
        'Sync-MemoryMapping', 'Set-MappingProtection', 'Remove-MemoryMapping') {
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

    It 'completes -Encoding with encoding names' {
        $line = 'Get-MappedByte -Encoding ut'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'utf8'
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
