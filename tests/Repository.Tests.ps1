BeforeDiscovery {
    $script:Pages = Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'docs') -Filter '*.md'
}

BeforeAll {
    $script:Root = Join-Path -Path $PSScriptRoot -ChildPath '..'
}

Describe 'The repository, checked by PowerShell''s own tools' {
    It 'passes PSScriptAnalyzer with <_> settings' -ForEach 'default', 'PSGallery' {
        if (-not (Get-Module -Name PSScriptAnalyzer -ListAvailable)) { Set-ItResult -Skipped -Because 'PSScriptAnalyzer is not installed (no registry serves it here): Install-PSResource PSScriptAnalyzer to run this check'; return }
        $settings = if ($_ -eq 'PSGallery') { @{ Settings = 'PSGallery' } } else { @{} }
        $findings = Invoke-ScriptAnalyzer -Path $Root -Recurse @settings |
            Where-Object { $_.ScriptPath -notmatch '[\\/](out|bin|obj)[\\/]' }
        $findings | ForEach-Object { "$($_.ScriptName):$($_.Line) $($_.RuleName): $($_.Message)" } | Should -BeNullOrEmpty
    }

    It '<_.Name> is in platyPS 1.0''s schema and passes its checks' -ForEach $Pages {
        if (-not (Get-Module -Name Microsoft.PowerShell.PlatyPS -ListAvailable)) { Set-ItResult -Skipped -Because 'platyPS 1.0 is not installed: Install-PSResource Microsoft.PowerShell.PlatyPS to run this check'; return }
        Import-Module -Name Microsoft.PowerShell.PlatyPS
        $type = (Measure-PlatyPSMarkdown -Path $_.FullName).FileType.ToString()
        $type | Should -Match 'V2Schema'
        if ($type -match 'CommandHelp') {
            Test-MarkdownCommandHelp -Path $_.FullName | Should -BeTrue
            (Import-MarkdownCommandHelp -Path $_.FullName).Diagnostics.Messages | Where-Object Severity -NE 'Information' | Should -BeNullOrEmpty
        }
        else { $type | Should -Match 'AboutTopic' }
    }
}
