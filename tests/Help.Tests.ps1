# The help pages (docs/*.md, platyPS 1.0) and what the build's help compiler (build/HelpCompiler)
# makes of them; where platyPS 1.0 is installed, compared with platyPS's own MAML, cmdlet by cmdlet.

BeforeDiscovery {
    $script:Root = Join-Path -Path $PSScriptRoot -ChildPath '..'
    $script:Pages = @(Get-ChildItem -Path (Join-Path $Root 'docs') -Filter '*.md' | ForEach-Object -Process { @{ Page = $_.FullName; Name = $_.BaseName } })
    $script:CmdletPages = @($Pages | Where-Object { $_.Name -notlike 'about_*' })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Root = Join-Path -Path $PSScriptRoot -ChildPath '..'
    $script:ModuleBase = (Get-Module MemMap).ModuleBase
    $script:NoPlatyPS = if (-not (Get-Module -Name Microsoft.PowerShell.PlatyPS -ListAvailable)) { 'platyPS 1.0 (Microsoft.PowerShell.PlatyPS) is not installed' }
    $script:Command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $script:Maml = 'http://schemas.microsoft.com/maml/2004/10'

    function Invoke-HelpCompiler([string] $Docs, [string] $Output) {
        # The compiler the build just built (any configuration), run as the build runs it.
        $tool = Get-ChildItem -Path (Join-Path $Root 'build/HelpCompiler/bin') -Filter HelpCompiler.dll -Recurse | Sort-Object LastWriteTime | Select-Object -Last 1
        $text = & dotnet $tool.FullName $Docs $Output 'MemMap.dll-Help.xml' 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($text | Out-String) }
    }

    function Get-CommandElement([string] $Path, [string] $Name) {
        $xml = [xml](Get-Content -Raw -LiteralPath $Path)
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('command', $Command); $ns.AddNamespace('maml', $Maml); $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
        [pscustomobject]@{ Node = $xml.SelectSingleNode("//command:command[command:details/command:name='$Name']", $ns); Ns = $ns }
    }

    function Get-MamlSummary([string] $Path, [string] $Name) {
        <# What a MAML file says of a cmdlet, in a form two writers of MAML can be compared by. #>
        $c = Get-CommandElement -Path $Path -Name $Name
        $text = { param($node) (($node.InnerText -replace '\s+', ' ').Trim()) }
        $parameterOf = { param($p) '{0} required={1} position={2} pipeline={3} globbing={4}' -f $p.SelectSingleNode('maml:name', $c.Ns).InnerText, $p.required, $p.position.ToLowerInvariant(), ($p.pipelineInput -replace '\s', '').ToLowerInvariant(), $p.globbing }
        [pscustomobject]@{
            Synopsis   = & $text $c.Node.SelectSingleNode('command:details/maml:description', $c.Ns)
            Syntax     = @($c.Node.SelectNodes('command:syntax/command:syntaxItem', $c.Ns) | ForEach-Object -Process { (@($_.SelectNodes('command:parameter', $c.Ns) | ForEach-Object -Process { & $parameterOf $_ } | Sort-Object) -join '; ') } | Sort-Object)
            Parameters = @($c.Node.SelectNodes('command:parameters/command:parameter', $c.Ns) | ForEach-Object -Process {
                    '{0} type={1} aliases={2}: {3}' -f $_.SelectSingleNode('maml:name', $c.Ns).InnerText, $_.SelectSingleNode('dev:type/maml:name', $c.Ns).InnerText, $_.aliases, (& $text $_.SelectSingleNode('maml:description', $c.Ns))
                } | Sort-Object -Unique)
            Examples   = @($c.Node.SelectNodes('command:examples/command:example', $c.Ns) | ForEach-Object -Process {
                    '{0}: {1}' -f ((& $text $_.SelectSingleNode('maml:title', $c.Ns)).Trim(' -')), (& $text $_.SelectSingleNode('dev:code', $c.Ns))
                })
        }
    }
}

Describe 'The help page <Name>' -ForEach $Pages {
    It 'is in the platyPS 1.0 schema' {
        $text = Get-Content -Raw -LiteralPath $Page
        $front = [regex]::Match($text, '\A---\n(?<front>.*?)\n---\n', 'Singleline').Groups['front'].Value
        $front | Should -Match "(?m)^title: $([regex]::Escape($Name))$"
        $front | Should -Match '(?m)^Locale: en-US$'
        $front | Should -Match '(?m)^ms\.date: \d\d/\d\d/\d{4}$'
        $front | Should -Match '(?m)^PlatyPS schema version: 2024-05-01$'
        if ($Name -notlike 'about_*') {
            $text | Should -Match '\n## ALIASES\n'
            $text | Should -Not -Match '\nParameter Sets:' -Because 'that is the platyPS 0.14 yaml: run build/Update-HelpSchema.ps1'
        }
    }
}

Describe 'The about topics the build writes' {
    It 'are plain text of at most 80 columns, code indented 8 and kept as written' {
        $topics = @(Get-ChildItem -Path (Join-Path $ModuleBase 'en-US') -Filter 'about_*.help.txt')
        $topics.Count | Should -BeGreaterThan 0
        foreach ($line in $topics | Get-Content) {
            $line.Length | Should -BeLessOrEqual 80 -Because $line
            if (-not $line.StartsWith('        ')) { $line | Should -Not -Match '`|\*\*|\]\(|^#' }
        }
    }
}

Describe 'The help compiler' {
    BeforeAll {
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) "memmap-help-$PID-$(New-Guid)"
        New-Item -ItemType Directory -Path "$Work/docs" | Out-Null
    }
    AfterAll { Remove-Item -LiteralPath $Work -Recurse -Force }

    It 'compiles a page added in the same format, with its parameter sets, parameters and examples' {
        # Another cmdlet's page, renamed: what a helper adding a cmdlet writes.
        $page = (Get-Content -Raw -LiteralPath (Join-Path $Root 'docs/Set-MappedByte.md')) -replace 'Set-MappedByte\b', 'Test-HelpCompiler'
        Set-Content -LiteralPath "$Work/docs/Test-HelpCompiler.md" -Value $page -NoNewline
        $result = Invoke-HelpCompiler -Docs "$Work/docs" -Output "$Work/out"
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $copy = Get-MamlSummary -Path "$Work/out/MemMap.dll-Help.xml" -Name 'Test-HelpCompiler'
        $built = Get-MamlSummary -Path (Join-Path $ModuleBase 'en-US/MemMap.dll-Help.xml') -Name 'Set-MappedByte'
        $copy.Syntax | Should -Be $built.Syntax
        $copy.Parameters.Count | Should -Be $built.Parameters.Count
        $copy.Examples.Count | Should -Be $built.Examples.Count
        $copy.Syntax.Count | Should -Be (Get-Command Set-MappedByte).ParameterSets.Count
    }

    It 'refuses a page whose parameter has no YAML block, naming the page and the parameter' {
        $page = (Get-Content -Raw -LiteralPath (Join-Path $Root 'docs/Sync-MemoryMapping.md')) -replace '(?s)(### -Mapping.*?)```yaml.*?```', '$1'
        Set-Content -LiteralPath "$Work/docs/Sync-MemoryMapping.md" -Value $page -NoNewline
        $result = Invoke-HelpCompiler -Docs "$Work/docs" -Output "$Work/broken"
        $result.ExitCode | Should -Be 1
        $result.Text | Should -Match 'Sync-MemoryMapping\.md: error: -Mapping needs one yaml block'
        Test-Path -LiteralPath "$Work/broken/MemMap.dll-Help.xml" | Should -BeFalse
    }
}

Describe 'The build''s MAML of <Name>, against platyPS''s' -ForEach $CmdletPages {
    BeforeAll {
        if (-not $NoPlatyPS -and -not $script:PlatyMaml) {
            Import-Module -Name Microsoft.PowerShell.PlatyPS
            $folder = Join-Path ([IO.Path]::GetTempPath()) "memmap-platyps-$PID"
            $script:PlatyMaml = (Get-ChildItem -Path (Join-Path $Root 'docs') -Filter '*.md' -Exclude 'about_*' | Import-MarkdownCommandHelp |
                    Export-MamlCommandHelp -OutputFolder $folder -Force | Select-Object -First 1).FullName
        }
    }

    It 'has the same synopsis, parameter sets, parameters and examples' {
        if ($NoPlatyPS) { Set-ItResult -Skipped -Because $NoPlatyPS; return }
        $ours = Get-MamlSummary -Path (Join-Path $ModuleBase 'en-US/MemMap.dll-Help.xml') -Name $Name
        $theirs = Get-MamlSummary -Path $PlatyMaml -Name $Name
        $ours.Synopsis | Should -Be $theirs.Synopsis
        # Every set's parameters with Required, position, pipeline input and wildcards, as the syntax shows them.
        $ours.Syntax | Should -Be $theirs.Syntax
        # Name, type, aliases and description; Required is per set, in the syntax (platyPS 1.0.3 marks
        # a parameter required in one set and optional in another required here, the build does not).
        $ours.Parameters | Should -Be $theirs.Parameters
        $ours.Examples | Should -Be $theirs.Examples
    }

    It 'shows the same in Get-Help' {
        if ($NoPlatyPS) { Set-ItResult -Skipped -Because $NoPlatyPS; return }
        # The module folder again, with platyPS's MAML, in a pwsh of its own.
        $copy = Join-Path ([IO.Path]::GetTempPath()) "memmap-platyps-module-$PID-$Name"
        Copy-Item -LiteralPath $ModuleBase -Destination $copy -Recurse -Force
        Copy-Item -LiteralPath $PlatyMaml -Destination (Join-Path $copy 'en-US/MemMap.dll-Help.xml') -Force
        $project = {
            param($Manifest, $Name)
            Import-Module -Name $Manifest
            $help = Get-Help -Name $Name -Full
            [pscustomobject]@{
                Synopsis   = $help.Synopsis.Trim()
                Syntax     = @($help.Syntax.SyntaxItem | ForEach-Object -Process { (@($_.Parameter | ForEach-Object -Process { "$($_.Name):$($_.Required)" } | Sort-Object) -join ' ') } | Sort-Object)
                Parameters = @($help.Parameters.Parameter.Name | Sort-Object -Unique)
                Examples   = @($help.Examples.Example | ForEach-Object -Process { ($_.Code -replace '\s+', ' ').Trim() })
            } | ConvertTo-Json -Depth 3
        }
        try {
            $pwsh = Get-PwshCommand
            $theirs = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $project -args (Join-Path $copy 'MemMap.psd1'), $Name
            $ours = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $project -args (Join-Path $ModuleBase 'MemMap.psd1'), $Name
            ($ours | Out-String) | Should -Be ($theirs | Out-String)
        }
        finally { Remove-Item -LiteralPath $copy -Recurse -Force }
    }
}
